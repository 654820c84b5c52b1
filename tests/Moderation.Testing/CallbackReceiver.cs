using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Moderation.Testing;

/// <summary>One callback delivery as the receiver saw it.</summary>
public sealed record ReceivedCallback(string? DeliveryId, bool Redelivery, string Timestamp, string Signature, string Body, JsonNode? Json)
{
    public Guid? MediaId => Json?["mediaId"] is { } id && Guid.TryParse(id.ToString(), out var g) ? g : null;
}

/// <summary>
/// An HTTP server on 127.0.0.1 that records verdict callbacks, so tests can count deliveries per verdict and check signatures.
/// <see cref="FailFirst"/> makes it answer 503 to the first N deliveries to exercise retries.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    private CallbackReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedCallback> Received { get; } = new();

    public Uri Url { get; private set; } = null!;

    public int FailFirst
    {
        set => Interlocked.Exchange(ref _failuresLeft, value);
    }

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.MapPost("/callbacks/{**rest}", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            JsonNode? json = null;
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            receiver.Received.Enqueue(new ReceivedCallback(
                Header(request, "X-Moderation-Delivery-Id"),
                Header(request, "X-Moderation-Redelivery") is "true" or "1",
                Header(request, "X-Moderation-Timestamp") ?? "",
                Header(request, "X-Moderation-Signature") ?? "",
                body,
                json));
            return Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? Results.StatusCode(503) : Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/callbacks/");
        return receiver;
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
