using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Audit;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Outbox;
using Moderation.Results.Policies;
using ModelScores = Moderation.Results.Registry.ModelScores;

namespace Moderation.Results.Backfills;

/// <summary>
/// The two halves of a backfill's work. <see cref="DispatchAsync"/> hands the next pending media to the classifiers' bulk
/// lane (through the outbox, in the transaction that marks them dispatched, so a crash loses or doubles nothing), and
/// <see cref="RecordAsync"/> folds each re-scored frame in; the medium's last frame writes its new verdict revision, once,
/// under the medium's row lock, whatever is redelivered.
/// </summary>
public sealed class BackfillRescoring(
    ResultsDbContext db,
    MediumTransaction media,
    OutboxWriter outbox,
    OutboxSignal signal,
    PolicyStore policies,
    AuditLog audit,
    IOptions<BackfillOptions> options,
    TimeProvider clock,
    ILogger<BackfillRescoring> logger)
{
    private static readonly AuditActor Actor = AuditActor.System("backfill");

    /// <summary>Running backfills, oldest first.</summary>
    public Task<List<Guid>> RunningAsync(CancellationToken cancellationToken) =>
        db.Backfills.AsNoTracking().Where(b => b.State == BackfillStates.Running).OrderBy(b => b.CreatedAt).Select(b => b.Id).ToListAsync(cancellationToken);

    /// <summary>Tops the backfill's media in flight up to the window; completes it when nothing is left. Returns how many media were dispatched.</summary>
    public async Task<int> DispatchAsync(Guid backfillId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One dispatcher per backfill at a time, across results replicas; the others skip it this round.
        var backfill = await db.Backfills.FromSql($"SELECT * FROM backfills WHERE id = {backfillId} FOR UPDATE SKIP LOCKED").SingleOrDefaultAsync(cancellationToken);
        if (backfill is not { State: BackfillStates.Running })
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        var stale = now - options.Value.RedispatchAfter;
        var inFlight = await db.BackfillItems.CountAsync(i => i.BackfillId == backfillId && i.State == BackfillItemStates.Dispatched && i.DispatchedAt > stale, cancellationToken);
        var room = options.Value.Window - inFlight;
        var items = room <= 0 ? [] : await db.BackfillItems
            .Where(i => i.BackfillId == backfillId && (i.State == BackfillItemStates.Pending || (i.State == BackfillItemStates.Dispatched && i.DispatchedAt <= stale)))
            .OrderBy(i => i.State == BackfillItemStates.Pending).ThenBy(i => i.MediaId).Take(room).ToListAsync(cancellationToken);
        if (items.Count == 0)
        {
            if (!await db.BackfillItems.AnyAsync(i => i.BackfillId == backfillId && (i.State == BackfillItemStates.Pending || i.State == BackfillItemStates.Dispatched), cancellationToken))
            {
                backfill.State = BackfillStates.Completed;
                backfill.FinishedAt = now;
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Backfill {BackfillId} with {ModelName} {ModelVersion} completed", backfillId, backfill.ModelName, backfill.ModelVersion);
            }

            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        var ids = items.Select(i => i.MediaId).ToArray();
        var rows = await db.Media.AsNoTracking().Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, cancellationToken);
        var deciding = await DecidingAsync(ids, cancellationToken);
        var frames = (await db.FrameScores.AsNoTracking().Where(f => ids.Contains(f.MediaId))
                .Select(f => new { f.MediaId, f.FrameIndex, f.TimestampSeconds, f.ModelVersion }).ToListAsync(cancellationToken))
            .Where(f => deciding.TryGetValue(f.MediaId, out var d) && d.ScoredBy == f.ModelVersion)
            .ToLookup(f => f.MediaId);
        var dispatched = 0;
        foreach (var item in items)
        {
            if (!rows.TryGetValue(item.MediaId, out var medium))
            {
                Skip(item, BackfillSkipReasons.Erased, now);
                continue;
            }

            var picture = Pictures(medium, frames[item.MediaId].Select(f => (f.FrameIndex, f.TimestampSeconds)).ToList(), out var skip);
            if (picture is null)
            {
                Skip(item, skip!, now);
                continue;
            }

            item.State = BackfillItemStates.Dispatched;
            item.DispatchedAt = now;
            item.Frames = [.. picture.Select(p => p.FrameIndex)];
            item.PreviousDecision = deciding[item.MediaId].Decision;
            foreach (var (frameIndex, timestamp, original) in picture)
            {
                outbox.Publish(new RescoreFrame(backfillId, medium.Id, medium.CorrelationId, frameIndex, timestamp, original, backfill.ModelName, backfill.ModelVersion));
            }

            dispatched++;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (dispatched > 0)
        {
            signal.Notify();
        }

        return dispatched;
    }

    /// <summary>Folds one re-scored frame in; the medium's last one writes its new verdict revision.</summary>
    public async Task RecordAsync(FrameRescored message, CancellationToken cancellationToken)
    {
        var erased = await media.RunAsync(message.MediaId, message.CorrelationId, async medium =>
        {
            await ModelScores.InsertAsync(db, message.MediaId, message.FrameIndex, message.ModelName, message.ModelVersion, ModelScorePurposes.Backfill,
                message.TimestampSeconds, message.Scores, message.Scores is null ? message.FailureReason ?? FailureReasons.Internal : null, clock.GetUtcNow(),
                cancellationToken);
            var item = await db.BackfillItems
                .FromSql($"SELECT * FROM backfill_items WHERE backfill_id = {message.BackfillId} AND media_id = {message.MediaId} FOR UPDATE")
                .SingleOrDefaultAsync(cancellationToken);
            if (item is not { State: BackfillItemStates.Dispatched })
            {
                return false;
            }

            var indices = item.Frames.ToArray();
            var scored = await db.ModelFrameScores.AsNoTracking()
                .Where(f => f.MediaId == item.MediaId && f.ModelName == message.ModelName && f.ModelVersion == message.ModelVersion && indices.Contains(f.FrameIndex))
                .ToListAsync(cancellationToken);
            if (scored.Count < indices.Length)
            {
                return false;
            }

            await ConcludeAsync(item, medium, scored, cancellationToken);
            return false;
        }, whenErased: true, cancellationToken);

        if (erased)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE backfill_items SET state = {BackfillItemStates.Skipped}, reason = {BackfillSkipReasons.Erased}, completed_at = {clock.GetUtcNow()}
                WHERE backfill_id = {message.BackfillId} AND media_id = {message.MediaId} AND state = {BackfillItemStates.Dispatched}
                """, cancellationToken);
        }
    }

    private async Task ConcludeAsync(BackfillItem item, Medium medium, List<ModelFrameScore> scored, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        item.CompletedAt = now;
        var usable = scored.Where(f => f.Scores is not null).OrderBy(f => f.FrameIndex).ToList();
        if (usable.Count == 0)
        {
            item.State = BackfillItemStates.Failed;
            item.Reason = scored.Select(f => f.FailureReason).FirstOrDefault(r => r is not null) ?? FailureReasons.Internal;
            return;
        }

        var backfill = await db.Backfills.AsNoTracking().SingleAsync(b => b.Id == item.BackfillId, cancellationToken);
        var policy = await policies.CurrentAsync(medium.PolicyName, cancellationToken);
        var matches = await db.MediumMatches.AsNoTracking().Where(m => m.MediaId == medium.Id).ToListAsync(cancellationToken);
        // The live verdict's judgement, in one place: corroboration and segments for a video, known content first.
        var revision = MediumLifecycle.Redecide(medium, policy, matches, usable.Select(f => new FrameSample(f.FrameIndex, f.TimestampSeconds, f.Scores!)),
            backfill.ModelName, backfill.ModelVersion, now);
        revision.Revision = 1 + (await db.VerdictRevisions.Where(r => r.MediaId == medium.Id).MaxAsync(r => (int?)r.Revision, cancellationToken) ?? 1);
        revision.BackfillId = backfill.Id;
        var previous = item.PreviousDecision ?? revision.Decision;
        revision.PreviousDecision = previous;
        var changed = revision.Decision != previous;
        // A reviewer's decision is never replaced by a model's.
        revision.Applied = changed && backfill.ApplyChanges && !medium.DecidedByReviewer;
        db.VerdictRevisions.Add(revision);
        item.State = BackfillItemStates.Done;
        item.NewDecision = revision.Decision;
        item.Changed = changed;
        item.Applied = revision.Applied;
        item.Revision = revision.Revision;
        if (!revision.Applied)
        {
            return;
        }

        medium.Decision = revision.Decision;
        medium.DecidedAt = now;
        audit.Add(Actor, AuditActions.VerdictRedecided, medium.Id,
            new { backfill = backfill.Id, previous, decision = revision.Decision, backfill.ModelName, backfill.ModelVersion, revision = revision.Revision });
        if (medium.CallbackUrl is not null)
        {
            var announcement = MediumLifecycle.Announcement(medium, revision);
            outbox.Callback(medium, CallbackEventNames.VerdictRedecided, (id, at) => VerdictCallback.Of(id, CallbackEventNames.VerdictRedecided, at, medium.Sha256,
                announcement) with { Revision = revision.Revision, PreviousDecision = previous });
        }
    }

    /// <summary>
    /// What each medium's decision in force rests on: the latest applied revision, else the first verdict — its decision
    /// and the model version whose frame scores made it.
    /// </summary>
    private async Task<Dictionary<Guid, (Decision Decision, string ScoredBy)>> DecidingAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        var verdicts = await db.Verdicts.AsNoTracking().Where(v => ids.Contains(v.MediaId))
            .Select(v => new { v.MediaId, v.Decision, v.ModelVersion }).ToListAsync(cancellationToken);
        var revisions = (await db.VerdictRevisions.AsNoTracking().Where(r => ids.Contains(r.MediaId) && r.Applied)
                .Select(r => new { r.MediaId, r.Revision, r.Decision }).ToListAsync(cancellationToken))
            .GroupBy(r => r.MediaId).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Revision)!.Decision);
        return verdicts.ToDictionary(v => v.MediaId, v => (revisions.TryGetValue(v.MediaId, out var d) ? d : v.Decision, v.ModelVersion));
    }

    /// <summary>
    /// The pictures to score again: a still's original (the picture its one frame was), a moving medium's stored frames.
    /// Null, with the reason, when retention removed them or there are none.
    /// </summary>
    private static List<(int FrameIndex, double TimestampSeconds, string? OriginalSha256)>? Pictures(Medium medium, List<(int FrameIndex, double TimestampSeconds)> frames,
        out string? skip)
    {
        skip = null;
        if (frames.Count == 0)
        {
            skip = BackfillSkipReasons.NoFrames;
            return null;
        }

        if (medium.Kind == MediaKind.Still)
        {
            if (medium.OriginalRemovedAt is not null || string.IsNullOrEmpty(medium.Sha256))
            {
                skip = BackfillSkipReasons.Retention;
                return null;
            }

            return [.. frames.Select(f => (f.FrameIndex, f.TimestampSeconds, (string?)medium.Sha256))];
        }

        if (medium.FramesRemovedAt is not null)
        {
            skip = BackfillSkipReasons.Retention;
            return null;
        }

        return [.. frames.OrderBy(f => f.FrameIndex).Select(f => (f.FrameIndex, f.TimestampSeconds, (string?)null))];
    }

    private static void Skip(BackfillItem item, string reason, DateTimeOffset now)
    {
        item.State = BackfillItemStates.Skipped;
        item.Reason = reason;
        item.CompletedAt = now;
    }
}

/// <summary>Tops up every running backfill each <see cref="BackfillOptions.PollInterval"/>.</summary>
public sealed class BackfillDispatcher(IServiceScopeFactory scopes, IOptions<BackfillOptions> options, TimeProvider clock, ILogger<BackfillDispatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var rescoring = scope.ServiceProvider.GetRequiredService<BackfillRescoring>();
                foreach (var id in await rescoring.RunningAsync(stoppingToken))
                {
                    await rescoring.DispatchAsync(id, stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Dispatching backfills failed; retrying next poll");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
