using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Moderation.Classifier.Inference;

/// <summary>
/// Loads the model (verifying its SHA-256 against the manifest) and warms the session up while the host starts. It is
/// registered before the message bus, so no frame is consumed by a cold or unverified model, and a failure here stops
/// the host: a worker with the wrong model refuses to start.
/// </summary>
public sealed class ModelWarmupService(
    IFrameClassifier classifier,
    EscalationModel escalation,
    ModelReadiness readiness,
    IOptions<ClassifierOptions> options,
    ILogger<ModelWarmupService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        classifier.WarmUp();
        escalation.Classifier?.WarmUp();
        var settings = options.Value;
        logger.LogInformation(
            "Classifier ready after {WarmupMs:F0} ms warm-up: {ModelName} {ModelVersion} on {ExecutionProvider} (requested {RequestedProvider}), batches of up to {MaxBatchSize} frames or {MaxBatchWaitMs} ms, {ConcurrentBatches} in flight",
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, classifier.Model.Name, classifier.Model.Version, classifier.ExecutionProvider,
            settings.ExecutionProvider, settings.MaxBatchSize, settings.MaxBatchWait.TotalMilliseconds, settings.ConcurrentBatches);
        if (escalation.Classifier is { } second)
        {
            logger.LogInformation("Cascade ready: {SecondModel} {SecondVersion} re-scores the frames in a cascade policy's uncertain band", second.Model.Name, second.Model.Version);
        }

        readiness.MarkReady();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Whether the model is loaded and warm; the readiness probe stays unhealthy until it is.</summary>
public sealed class ModelReadiness : IHealthCheck
{
    private volatile bool ready;

    public bool IsReady => ready;

    public void MarkReady() => ready = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ready ? HealthCheckResult.Healthy("Model loaded and warmed up.") : HealthCheckResult.Unhealthy("Model warming up."));
}
