using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Privacy;

/// <summary>
/// Chooses which of a client's media retention thins now (concluded long enough ago, not under legal hold, no open
/// review task), records it under their row locks with an audit event each, and answers what ingest is to delete.
/// Rows stay: only the blobs (original, frames) go, so verdicts, scores and evaluation keep their history.
/// </summary>
public sealed class RetentionService(ResultsDbContext db, AuditLog audit, TimeProvider clock, ILogger<RetentionService> logger)
{
    private static readonly AuditActor Actor = AuditActor.System("retention");

    public async Task<RetentionApplied> ApplyAsync(ApplyRetention request, CancellationToken cancellationToken)
    {
        DateTimeOffset? originals = request.OriginalsConcludedBefore, frames = request.FramesConcludedBefore;
        if (originals is null && frames is null)
        {
            return new RetentionApplied([]);
        }

        var limit = Math.Clamp(request.Limit, 1, 10_000);
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var candidates = await Due(request.ClientId, originals, frames)
            .OrderBy(m => m.DecidedAt ?? m.FailedAt)
            .Select(m => m.Id)
            .Take(limit)
            .ToListAsync(cancellationToken);
        var ids = candidates.ToArray();
        // Locked as every writer locks them; a medium busy elsewhere (a hold being placed, a review) waits for the next sweep.
        var locked = await db.Media.FromSql($"SELECT * FROM media WHERE id = ANY({ids}) ORDER BY id FOR UPDATE SKIP LOCKED").Select(m => m.Id)
            .ToListAsync(cancellationToken);
        // Checked again under the locks: a hold or a review task may have appeared since the scan.
        var due = await Due(request.ClientId, originals, frames).Where(m => locked.Contains(m.Id)).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var removed = new List<(Medium Medium, bool Original, bool Frames)>();
        foreach (var medium in due)
        {
            var concluded = medium.DecidedAt ?? medium.FailedAt;
            var original = medium.OriginalRemovedAt is null && concluded < originals;
            var frame = medium.FramesRemovedAt is null && concluded < frames;
            if (original)
            {
                medium.OriginalRemovedAt = now;
                audit.Add(Actor, AuditActions.RetentionOriginal, medium.Id, new { owner = medium.ClientId });
            }

            if (frame)
            {
                medium.FramesRemovedAt = now;
                audit.Add(Actor, AuditActions.RetentionFrames, medium.Id, new { owner = medium.ClientId });
            }

            removed.Add((medium, original, frame));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (removed.Count > 0)
        {
            logger.LogInformation("Retention of {ClientId}: {Count} media thinned", request.ClientId, removed.Count);
        }

        return new RetentionApplied([.. removed.Select(r => new RetainedMedium(r.Medium.Id, r.Medium.Sha256, r.Original, r.Frames))]);
    }

    /// <summary>Media of the client that retention may thin now: concluded before a cutoff, blobs still there, not held, no open review.</summary>
    private IQueryable<Medium> Due(string clientId, DateTimeOffset? originals, DateTimeOffset? frames) =>
        db.Media.Where(m => m.ClientId == clientId && !m.LegalHold
            && (m.State == MediaStates.Completed || m.State == MediaStates.Failed)
            && !db.ReviewTasks.Any(t => t.MediaId == m.Id && t.Status == ReviewTaskStates.Open)
            && ((originals != null && m.OriginalRemovedAt == null && (m.DecidedAt ?? m.FailedAt) < originals)
                || (frames != null && m.FramesRemovedAt == null && (m.DecidedAt ?? m.FailedAt) < frames)));
}
