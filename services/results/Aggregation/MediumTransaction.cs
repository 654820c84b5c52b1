using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Outbox;

namespace Moderation.Results.Aggregation;

/// <summary>
/// Runs a change to one medium — or to a batch of media — in a single transaction holding the media's row locks. Every
/// writer of a medium's state goes through here, so changes to one medium are serialised while different media proceed
/// in parallel. A message about a medium not seen yet creates a placeholder row: messages may arrive in any order.
/// Batches lock their rows in id order, so two batches sharing media wait for each other instead of deadlocking.
/// </summary>
public sealed class MediumTransaction(ResultsDbContext db, OutboxSignal signal, ResultsMetrics metrics, TimeProvider clock)
{
    /// <summary>
    /// Runs <paramref name="work"/> on the medium, locked, in one transaction; a medium not seen yet gets a placeholder
    /// row. An erased medium is never brought back: nothing runs and <paramref name="whenErased"/> is returned.
    /// </summary>
    public async Task<T> RunAsync<T>(Guid mediaId, Guid correlationId, Func<Medium, Task<T>> work, T whenErased, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var medium = await LockAsync(mediaId, cancellationToken);
        if (medium is null)
        {
            await CreatePlaceholdersAsync([mediaId], [correlationId], now, cancellationToken);
            medium = await LockAsync(mediaId, cancellationToken);
        }

        if (medium is null || (await DropErasedAsync([mediaId], cancellationToken)).Count > 0)
        {
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return whenErased;
        }

        var result = await work(medium);
        if (db.ChangeTracker.HasChanges())
        {
            medium.UpdatedAt = now;
        }

        await SaveAndCommitAsync(transaction, 1, cancellationToken);
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the media (placeholders created for unknown ones), locked, in one transaction:
    /// one round trip creates the missing rows, one locks them all, one saves everything, one commits. Erased media are
    /// left out (no placeholder, no work); their ids are returned, so the caller can tell the pipeline to stop.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> RunManyAsync(IEnumerable<(Guid MediaId, Guid CorrelationId)> media, Func<IReadOnlyList<Medium>, Task> work, CancellationToken cancellationToken)
    {
        var distinct = media.DistinctBy(m => m.MediaId).OrderBy(m => m.MediaId).ToList();
        var ids = distinct.Select(m => m.MediaId).ToArray();
        var correlations = distinct.Select(m => m.CorrelationId).ToArray();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await CreatePlaceholdersAsync(ids, correlations, now, cancellationToken);
        var locked = await db.Media.FromSql($"SELECT * FROM media WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
        var erased = await DropErasedAsync(ids, cancellationToken);
        if (erased.Count > 0)
        {
            locked = [.. locked.Where(m => !erased.Contains(m.Id))];
            foreach (var medium in db.ChangeTracker.Entries<Medium>().Where(e => erased.Contains(e.Entity.Id)).ToList())
            {
                medium.State = EntityState.Detached;
            }
        }

        await work(locked);
        foreach (var medium in locked)
        {
            medium.UpdatedAt = now;
        }

        await SaveAndCommitAsync(transaction, locked.Count, cancellationToken);
        return erased;
    }

    /// <summary>Placeholder rows for media not seen yet (never for erased ones), inserted in id order.</summary>
    private Task<int> CreatePlaceholdersAsync(Guid[] ids, Guid[] correlations, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = MediaStates.Pending;
        var priority = nameof(SubmissionPriority.Normal);
        return db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO media (id, correlation_id, size_bytes, priority, first_seen_at, updated_at, state, frames_scored, decided_by_reviewer, legal_hold)
            SELECT m.id, m.correlation_id, 0, {priority}, {now}, {now}, {pending}, 0, FALSE, FALSE
            FROM unnest({ids}, {correlations}) AS m(id, correlation_id)
            WHERE NOT EXISTS (SELECT 1 FROM erasures e WHERE e.media_id = m.id)
            ORDER BY m.id
            ON CONFLICT (id) DO NOTHING
            """,
            cancellationToken);
    }

    /// <summary>Saves, commits, counts the media changed, and wakes the outbox dispatcher when something was queued.</summary>
    private async Task SaveAndCommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, int media, CancellationToken cancellationToken)
    {
        var wroteOutbox = db.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        metrics.Transaction(media);
        if (wroteOutbox)
        {
            signal.Notify();
        }
    }

    /// <summary>
    /// Which of the media are erased, removing any placeholder a concurrent erasure could not see. Read after the row
    /// locks are held, so an erasure that committed meanwhile is seen here; one still running waits for this transaction
    /// (it takes the same row, see <c>MediumErasure</c>) and then deletes what this one wrote.
    /// </summary>
    private async Task<IReadOnlyList<Guid>> DropErasedAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        var erased = await db.Erasures.AsNoTracking().Where(e => ids.Contains(e.MediaId)).Select(e => e.MediaId).ToListAsync(cancellationToken);
        if (erased.Count > 0)
        {
            var dropped = erased.ToArray();
            await db.Database.ExecuteSqlAsync($"DELETE FROM media WHERE id = ANY({dropped})", cancellationToken);
        }

        return erased;
    }

    private Task<Medium?> LockAsync(Guid mediaId, CancellationToken cancellationToken) =>
        db.Media.FromSql($"SELECT * FROM media WHERE id = {mediaId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
}
