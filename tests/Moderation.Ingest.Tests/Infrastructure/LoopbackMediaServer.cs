using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Moderation.Ingest.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 serving what the URL-fetch tests need: files, redirects (to anywhere, in loops),
/// endless bodies and stalls.
/// </summary>
public sealed class LoopbackMediaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _files = new();

    private LoopbackMediaServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The URL of <paramref name="path"/> on this server, by IP or by a name the fake resolver maps to 127.0.0.1.</summary>
    public Uri Url(string path, string host = "127.0.0.1") => new($"http://{host}:{Port}{path}");

    public string Serve(byte[] content)
    {
        var name = Guid.NewGuid().ToString("N");
        _files[name] = content;
        return $"/files/{name}";
    }

    public static async Task<LoopbackMediaServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackMediaServer(app);
        app.Use((context, next) =>
        {
            server.Requests.Enqueue(context.Request.Path + context.Request.QueryString);
            return next(context);
        });
        app.MapGet("/files/{name}", (string name) =>
            server._files.TryGetValue(name, out var bytes) ? Results.Bytes(bytes, "application/octet-stream") : Results.NotFound());
        app.MapGet("/redirect", (string to, int? status) => Results.Redirect(to, permanent: status is 301 or 308, preserveMethod: status is 307 or 308));
        app.MapGet("/loop/{n:int}", (int n) => Results.Redirect($"/loop/{n + 1}"));
        app.MapGet("/endless", async (HttpContext context) =>
        {
            // PNG signature first so the size cap, not the format check, is what stops it.
            await context.Response.Body.WriteAsync(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 100_000 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        app.MapGet("/stall", async (HttpContext context) =>
        {
            await context.Response.Body.WriteAsync(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 });
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
