using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>/metrics as every service maps it (service defaults): Prometheus text, duration buckets that resolve 10 ms–60 s, and only on the metrics port where one is set.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_answer_on_the_service_port_with_the_shared_duration_buckets()
    {
        var port = FreePort();
        await using var app = Build([port], metricsPort: null);
        await app.StartAsync();
        Record(app, 0.2);

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}{MetricsOptions.Path}"));

        Assert.Contains("test_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        foreach (var le in new[] { "0.01", "0.1", "0.25", "1", "60" })
        {
            Assert.Contains($"le=\"{le}\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_a_metrics_port_metrics_answer_there_only()
    {
        var (service, metrics) = (FreePort(), FreePort());
        await using var app = Build([service, metrics], metricsPort: metrics);
        await app.StartAsync();
        Record(app, 0.02);

        using var http = new HttpClient();
        using var onService = await http.GetAsync(new Uri($"http://127.0.0.1:{service}{MetricsOptions.Path}"));
        using var onMetrics = await http.GetAsync(new Uri($"http://127.0.0.1:{metrics}{MetricsOptions.Path}"));
        using var health = await http.GetAsync(new Uri($"http://127.0.0.1:{service}{Extensions.LivePath}"));

        Assert.Equal(HttpStatusCode.NotFound, onService.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onMetrics.StatusCode);
        Assert.Contains("test_request_duration_seconds_bucket", await onMetrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static WebApplication Build(int[] ports, int? metricsPort)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls([.. ports.Select(p => $"http://127.0.0.1:{p}")]);
        if (metricsPort is { } port)
        {
            builder.Configuration[$"{MetricsOptions.Section}:{nameof(MetricsOptions.Port)}"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    private static void Record(WebApplication app, double seconds) =>
        app.Services.GetRequiredService<IMeterFactory>().Create(Telemetry.MeterName)
            .CreateHistogram<double>("test.request.duration", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Telemetry.DurationBuckets })
            .Record(seconds);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
