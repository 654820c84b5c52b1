using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Intake;

/// <summary>
/// Removes what an ingest process killed mid-request leaves in the blob store: staged uploads never promoted nor
/// discarded, and writes that never completed (partial files, unfinished multipart uploads). Runs at start and then
/// periodically; several replicas may sweep at once, deletes being idempotent.
/// </summary>
public sealed partial class StagingSweeper(IBlobStore blobs, IOptions<IntakeOptions> options, TimeProvider clock, IMeterFactory meters, ILogger<StagingSweeper> logger)
    : BackgroundService
{
    private readonly Counter<long> _removed = meters.Create(Telemetry.MeterName).CreateCounter<long>(
        "moderation.ingest.staging.removed", unit: "{blob}", description: "Abandoned staged uploads and incomplete writes removed from the blob store.");

    /// <summary>One sweep: returns how many staged blobs and how many incomplete writes were removed.</summary>
    public async Task<(int Staged, int Incomplete)> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stagedCutoff = now - options.Value.StagedUploadMaxAge;
        var staged = 0;
        await foreach (var blob in blobs.ListAsync(MediaIntake.StagingPrefix, cancellationToken))
        {
            if (blob.LastModified < stagedCutoff)
            {
                await blobs.DeleteAsync(blob.Key, cancellationToken);
                staged++;
            }
        }

        var incomplete = await blobs.RemoveAbandonedWritesAsync(now - options.Value.AbandonedWriteMaxAge, cancellationToken);
        _removed.Add(staged, new KeyValuePair<string, object?>("kind", "staged"));
        _removed.Add(incomplete, new KeyValuePair<string, object?>("kind", "incomplete"));
        if (staged + incomplete > 0)
        {
            LogSwept(staged, incomplete);
        }

        return (staged, incomplete);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StagingSweepInterval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Staged} abandoned staged uploads and {Incomplete} incomplete writes")]
    private partial void LogSwept(int staged, int incomplete);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping abandoned uploads failed; retrying next period")]
    private partial void LogSweepFailed(Exception exception);
}
