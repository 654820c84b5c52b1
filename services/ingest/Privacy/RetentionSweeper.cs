using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// Applies each client's retention periodically: results chooses the media that are due (it knows verdicts, reviews and
/// legal holds) and records the removal; ingest, owner of the blobs, deletes the frames and releases the original
/// (the bytes go once no other medium references them). Bounded per client per sweep.
/// </summary>
public sealed partial class RetentionSweeper(
    IServiceScopeFactory scopes,
    IOptionsMonitor<RetentionOptions> options,
    IOptions<ResultsClientOptions> resultsOptions,
    TimeProvider clock,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    /// <summary>One sweep over every configured client; returns how many media had blobs removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var swept = 0;
        foreach (var (clientId, retention) in settings.Clients)
        {
            if (retention.DeleteOriginalsAfter is null && retention.DeleteFramesAfter is null)
            {
                continue;
            }

            swept += await SweepClientAsync(clientId, retention, settings.BatchSize, cancellationToken);
        }

        return swept;
    }

    private async Task<int> SweepClientAsync(string clientId, ClientRetention retention, int limit, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var now = clock.GetUtcNow();
        var request = new ApplyRetention(clientId, Cutoff(now, retention.DeleteOriginalsAfter), Cutoff(now, retention.DeleteFramesAfter), limit);
        var timeout = RequestTimeout.After(ms: (int)resultsOptions.Value.RequestTimeout.TotalMilliseconds);
        var applied = (await services.GetRequiredService<IRequestClient<ApplyRetention>>().GetResponse<RetentionApplied>(request, cancellationToken, timeout)).Message;
        var db = services.GetRequiredService<IngestDbContext>();
        var content = services.GetRequiredService<StoredContent>();
        foreach (var medium in applied.Media)
        {
            if (medium.RemoveFrames)
            {
                await content.DeleteFramesAsync(medium.MediaId, cancellationToken);
            }

            if (medium.RemoveOriginal)
            {
                // This medium no longer references the original; the bytes go when nothing else does.
                await content.UnderLockAsync(medium.Sha256, async token =>
                {
                    await db.Submissions.Where(s => s.MediaId == medium.MediaId && s.BlobKey != null)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.BlobKey, (string?)null), token);
                    return await content.ReleaseOriginalAsync(medium.Sha256, token);
                }, cancellationToken);
            }
        }

        if (applied.Media.Count > 0)
        {
            LogSwept(clientId, applied.Media.Count);
        }

        return applied.Media.Count;
    }

    private static DateTimeOffset? Cutoff(DateTimeOffset now, double? days) => days is { } d ? now - TimeSpan.FromDays(d) : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
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
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed blobs of {Count} media of {ClientId}")]
    private partial void LogSwept(string clientId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention sweep failed; retrying next period")]
    private partial void LogSweepFailed(Exception exception);
}
