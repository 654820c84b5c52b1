using System.Net;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moderation.Contracts.V1;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// An upload system that publishes to RabbitMQ itself (docs/integration.md): the URL it names is fetched by ingest, and
/// the verdict and its callback carry what ingest stored — in the current format and in the previous, URL-only one.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DirectPublishTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public Task A_direct_publish_of_SubmitMediaByUrl_ends_with_the_fetched_contents_sha256_type_and_size_in_its_verdict_and_callback() =>
        AssertFetchedAndJudgedAsync(640, 360, (id, url, callback) =>
            new SubmitMediaByUrl(id, Guid.NewGuid(), url, "File:ByUrl.jpg/1", callback, SubmissionPriority.Normal, null, "wiki-direct", DateTimeOffset.UtcNow));

    [Fact]
    public Task A_url_only_MediaSubmitted_of_the_previous_format_still_ends_with_sha256_type_and_size_in_its_verdict_and_callback() =>
        AssertFetchedAndJudgedAsync(600, 340, (id, url, callback) =>
            new MediaSubmitted(id, Guid.NewGuid(), null, url, null, null, 0, "File:ByUrl.jpg/0", callback, SubmissionPriority.Normal, null, "wiki-direct",
                DateTimeOffset.UtcNow));

    private async Task AssertFetchedAndJudgedAsync(int width, int height, Func<Guid, string, string, object> message)
    {
        var jpeg = await File.ReadAllBytesAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(width, height)));
        await using var files = await ServeAsync(jpeg);
        await using var callbacks = await CallbackReceiver.StartAsync();
        var id = NewId.NextGuid();

        await PublishAsync(message(id, files.Url, callbacks.Url + "by-url"));

        using var results = fixture.Cluster.Client(Cluster.Results);
        var details = await Verdicts.WaitForVerdictAsync(results, id, VerdictTimeout);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(jpeg));
        Assert.Equal((sha256, "image/jpeg", (long)jpeg.Length),
            (details["sha256"]?.GetValue<string>(), details["contentType"]?.GetValue<string>(), details["sizeBytes"]!.GetValue<long>()));
        var callback = await Verdicts.WaitForAsync(() => Task.FromResult(callbacks.Received.FirstOrDefault(c => c.MediaId == id)), "the verdict callback", VerdictTimeout);
        Assert.Equal(sha256, callback.Json?["sha256"]?.GetValue<string>());
    }

    private async Task PublishAsync(object message)
    {
        var broker = new Uri(fixture.Cluster.RabbitMqUri);
        var user = broker.UserInfo.Split(':', 2);
        var vhost = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/')) is { Length: > 0 } path ? path : "/";
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(broker.Host, (ushort)broker.Port, vhost, h =>
        {
            h.Username(Uri.UnescapeDataString(user[0]));
            h.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "");
            h.PublisherConfirmation = true;
        }));
        await bus.StartAsync();
        try
        {
            await bus.Publish(message, message.GetType());
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>The upload system's file server: serves <paramref name="content"/> on 127.0.0.1.</summary>
    private static async Task<FileServer> ServeAsync(byte[] content)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/files/upload.jpg", () => Microsoft.AspNetCore.Http.Results.Bytes(content, "application/octet-stream"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FileServer(app, address + "/files/upload.jpg");
    }

    private sealed record FileServer(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
