using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Outbox;

namespace Moderation.Results.Aggregation;

/// <summary>
/// Runs a change to one medium in a single transaction holding the medium's row lock. Every writer of a medium's
/// state goes through here, so changes to one medium are serialised while different media proceed in parallel.
/// A message about a medium not seen yet creates a placeholder row: messages may arrive in any order.
/// </summary>
public sealed class MediumTransaction(ResultsDbContext db, OutboxSignal signal, TimeProvider clock)
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
        if (wroteOutbox)
        {
            signal.Notify();
        }

        return result;
    }

    private Task<Medium?> LockAsync(Guid mediaId, CancellationToken cancellationToken) =>
        db.Media.FromSql($"SELECT * FROM media WHERE id = {mediaId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
}
