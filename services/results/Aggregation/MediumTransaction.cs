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
    public async Task<T> RunAsync<T>(Guid mediaId, Guid correlationId, Func<Medium, Task<T>> work, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var medium = await LockAsync(mediaId, cancellationToken);
        if (medium is null)
        {
            var pending = MediaStates.Pending;
            var priority = nameof(SubmissionPriority.Normal);
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO media (id, correlation_id, size_bytes, priority, first_seen_at, updated_at, state, frames_scored, decided_by_reviewer)
                VALUES ({mediaId}, {correlationId}, 0, {priority}, {now}, {now}, {pending}, 0, FALSE)
                ON CONFLICT (id) DO NOTHING
                """,
                cancellationToken);
            medium = await LockAsync(mediaId, cancellationToken) ?? throw new InvalidOperationException($"Medium {mediaId} vanished while being created.");
        }

        var result = await work(medium);

        var wroteOutbox = db.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added);
        if (db.ChangeTracker.HasChanges())
        {
            medium.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        metrics.Transaction(1);
        if (wroteOutbox)
        {
            signal.Notify();
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the media (placeholders created for unknown ones), locked, in one transaction:
    /// one round trip creates the missing rows, one locks them all, one saves everything, one commits.
    /// </summary>
    public async Task RunManyAsync(IEnumerable<(Guid MediaId, Guid CorrelationId)> media, Func<IReadOnlyList<Medium>, Task> work, CancellationToken cancellationToken)
    {
        var distinct = media.DistinctBy(m => m.MediaId).OrderBy(m => m.MediaId).ToList();
        var ids = distinct.Select(m => m.MediaId).ToArray();
        var correlations = distinct.Select(m => m.CorrelationId).ToArray();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var pending = MediaStates.Pending;
        var priority = nameof(SubmissionPriority.Normal);
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO media (id, correlation_id, size_bytes, priority, first_seen_at, updated_at, state, frames_scored, decided_by_reviewer)
            SELECT m.id, m.correlation_id, 0, {priority}, {now}, {now}, {pending}, 0, FALSE
            FROM unnest({ids}, {correlations}) AS m(id, correlation_id)
            ORDER BY m.id
            ON CONFLICT (id) DO NOTHING
            """,
            cancellationToken);
        var locked = await db.Media.FromSql($"SELECT * FROM media WHERE id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(cancellationToken);
        await work(locked);
        foreach (var medium in locked)
        {
            medium.UpdatedAt = now;
        }

        var wroteOutbox = db.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        metrics.Transaction(locked.Count);
        if (wroteOutbox)
        {
            signal.Notify();
        }
    }

    private Task<Medium?> LockAsync(Guid mediaId, CancellationToken cancellationToken) =>
        db.Media.FromSql($"SELECT * FROM media WHERE id = {mediaId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
}
