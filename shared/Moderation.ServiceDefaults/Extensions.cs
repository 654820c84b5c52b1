using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Moderation.ServiceDefaults;

/// <summary>Cross-cutting wiring every service takes with one call: telemetry, health, HTTP resilience, problem details.</summary>
public static class Extensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        builder.Services.AddOptions<HostOptions>().Configure(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit", Telemetry.MeterName)
                .AddView(MessagingDurationBuckets)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, "MassTransit", "Npgsql", Telemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>/health/live</c> answers while the process runs; <c>/health/ready</c> also checks every dependency
    /// (RabbitMQ bus, Postgres, model warm-up) registered with the ready tag; <c>/metrics</c> is the Prometheus scrape
    /// endpoint, on the port <see cref="MetricsOptions"/> names where one is set. All are anonymous.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) || r.Tags.Contains(LiveTag) }).AllowAnonymous();
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsOptions.Path).AllowAnonymous().ExcludeFromDescription();
        if (app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Port is { } port)
        {
            metrics.RequireHost($"*:{port}");
        }

        return app;
    }

    /// <summary>
    /// MassTransit's receive, consume and delivery durations (milliseconds) get <see cref="Telemetry.DurationBuckets"/>
    /// too; the services' own histograms carry them as advice.
    /// </summary>
    private static MetricStreamConfiguration? MessagingDurationBuckets(Instrument instrument)
    {
        if (instrument.Meter.Name != "MassTransit" || instrument.GetType() is not { IsGenericType: true } type || type.GetGenericTypeDefinition() != typeof(Histogram<>))
        {
            return null;
        }

        var scale = instrument.Unit == "ms" ? 1000 : 1;
        return new ExplicitBucketHistogramConfiguration { Boundaries = Telemetry.DurationBuckets.Select(b => b * scale).ToArray() };
    }
}
