using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>The container health check: the service asks its own /health/live.</summary>
public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probe_succeeds_on_a_live_service_and_fails_on_an_unhealthy_or_absent_one()
    {
        var live = true;
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.MapGet(Extensions.LivePath, () => live ? Microsoft.AspNetCore.Http.Results.Ok() : Microsoft.AspNetCore.Http.Results.StatusCode(503));
        await app.StartAsync();
        var uri = new Uri($"http://127.0.0.1:{port}{Extensions.LivePath}");

        Assert.Equal(0, await HealthProbe.ProbeAsync(uri, TimeSpan.FromSeconds(10)));
        live = false;
        Assert.Equal(1, await HealthProbe.ProbeAsync(uri, TimeSpan.FromSeconds(10)));
        await app.StopAsync();
        Assert.Equal(1, await HealthProbe.ProbeAsync(uri, TimeSpan.FromSeconds(10)));
        Assert.True(HealthProbe.IsRequested([HealthProbe.Option]));
        Assert.False(HealthProbe.IsRequested([]));
        Assert.False(HealthProbe.IsRequested(["--urls", "http://127.0.0.1:0"]));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
