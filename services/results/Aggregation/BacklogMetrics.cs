using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Aggregation;

/// <summary>Section <c>BacklogMetrics</c>: how often the backlog gauges are read from the database.</summary>
public sealed class BacklogMetricsOptions
{
    public const string Section = "BacklogMetrics";

    /// <summary>Every replica samples; each sample is a handful of indexed counts.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// What waits, and for how long, as gauges on the shared "Moderation" meter: open review tasks and the oldest one's age,
/// media in the pipeline (submitted, no verdict yet) and the oldest one's age, callbacks waiting to be delivered and
/// callbacks given up on (until an operator retries them). Read from PostgreSQL every
/// <see cref="BacklogMetricsOptions.Interval"/>, so every results replica reports the same values: alerts take max().
/// Nothing is reported until the first sample, and nothing after a failed one, so a stale value never looks healthy.
/// </summary>
public sealed class BacklogMetrics : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly IOptions<BacklogMetricsOptions> _options;
    private readonly ILogger<BacklogMetrics> _logger;
    private volatile Snapshot? _snapshot;

    public BacklogMetrics(IServiceScopeFactory scopes, TimeProvider clock, IMeterFactory meters, IOptions<BacklogMetricsOptions> options,
        ILogger<BacklogMetrics> logger)
    {
        _scopes = scopes;
        _clock = clock;
        _options = options;
        _logger = logger;
        var meter = meters.Create(Telemetry.MeterName);
        meter.CreateObservableGauge("moderation.results.review.backlog", () => Observe(s =>
            [new(s.ReviewWaiting, new KeyValuePair<string, object?>("state", "waiting")), new(s.ReviewClaimed, new KeyValuePair<string, object?>("state", "claimed"))]),
            "{task}", "Open review tasks: waiting for a reviewer, or claimed under an unexpired lease.");
        meter.CreateObservableGauge("moderation.results.review.oldest_age", () => Observe(s => [new(s.OldestReviewSeconds)]),
            "s", "Age of the oldest open review task; 0 when none is open.");
        meter.CreateObservableGauge("moderation.results.media.in_flight", () => Observe(s =>
            [new(s.MediaPending, new KeyValuePair<string, object?>("state", MediaStates.Pending)), new(s.MediaProcessing, new KeyValuePair<string, object?>("state", MediaStates.Processing))]),
            "{medium}", "Media submitted that have neither a verdict nor a failure yet.");
        meter.CreateObservableGauge("moderation.results.media.oldest_age", () => Observe(s => [new(s.OldestMediumSeconds)]),
            "s", "Time the oldest medium in the pipeline has waited since it was submitted: the queue age end to end; 0 when none waits.");
        meter.CreateObservableGauge("moderation.results.callbacks.pending", () => Observe(s => [new(s.CallbacksPending)]),
            "{callback}", "Callbacks not yet delivered and not given up on.");
        meter.CreateObservableGauge("moderation.results.callbacks.oldest_pending_age", () => Observe(s => [new(s.OldestCallbackSeconds)]),
            "s", "Age of the oldest callback still being delivered; 0 when none is.");
        meter.CreateObservableGauge("moderation.results.callbacks.failed", () => Observe(s => [new(s.CallbacksFailed)]),
            "{callback}", "Callbacks given up on (refused target, permanent error or retries exhausted) that nobody has retried.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Value.Interval, _clock);
        do
        {
            try
            {
                _snapshot = await SampleAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _snapshot = null;
                _logger.LogWarning(e, "Reading the backlog gauges failed; they report nothing until the next sample succeeds");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<Snapshot> SampleAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var now = _clock.GetUtcNow();
        var open = ReviewTaskStates.Open;
        var tasks = db.ReviewTasks.AsNoTracking().Where(t => t.Status == open);
        var claimed = await tasks.CountAsync(t => t.LeaseExpiresAt > now, cancellationToken);
        var waiting = await tasks.CountAsync(t => t.LeaseExpiresAt == null || t.LeaseExpiresAt <= now, cancellationToken);
        var oldestTask = await tasks.MinAsync(t => (DateTimeOffset?)t.CreatedAt, cancellationToken);

        var media = db.Media.AsNoTracking().Where(m => m.State == MediaStates.Pending || m.State == MediaStates.Processing);
        var inFlight = await media.GroupBy(m => m.State).Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var oldestMedium = await media.MinAsync(m => (DateTimeOffset?)(m.SubmittedAt ?? m.FirstSeenAt), cancellationToken);

        var callbacks = db.Outbox.AsNoTracking().Where(o => o.Kind == OutboxKinds.Callback);
        var pending = callbacks.Where(o => o.DeliveredAt == null && o.FailedAt == null);
        var callbacksPending = await pending.CountAsync(cancellationToken);
        var oldestCallback = await pending.MinAsync(o => (DateTimeOffset?)o.CreatedAt, cancellationToken);
        var callbacksFailed = await callbacks.CountAsync(o => o.FailedAt != null, cancellationToken);

        double Age(DateTimeOffset? since) => since is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0;
        int InState(string state) => inFlight.Where(g => g.State == state).Sum(g => g.Count);
        return new Snapshot(waiting, claimed, Age(oldestTask), InState(MediaStates.Pending), InState(MediaStates.Processing), Age(oldestMedium),
            callbacksPending, Age(oldestCallback), callbacksFailed);
    }

    private Measurement<double>[] Observe(Func<Snapshot, Measurement<double>[]> read) => _snapshot is { } snapshot ? read(snapshot) : [];

    private sealed record Snapshot(int ReviewWaiting, int ReviewClaimed, double OldestReviewSeconds, int MediaPending, int MediaProcessing,
        double OldestMediumSeconds, int CallbacksPending, double OldestCallbackSeconds, int CallbacksFailed);
}
