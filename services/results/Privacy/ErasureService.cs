using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Outbox;

namespace Moderation.Results.Privacy;

/// <summary>
/// Erases what results holds about a medium — the medium row and with it (cascading) its frame scores and embeddings,
/// class maxima, verdict, review tasks and feedback, plus every outbox row about it — and leaves a tombstone
/// (<see cref="Erasure"/>) and an entry in the audit log, in one transaction. <see cref="MediumErased"/> leaves through the outbox
/// with it, so the extractor stops. A medium under legal hold is refused and left as it is.
/// </summary>
public sealed class ErasureService(ResultsDbContext db, OutboxWriter outbox, OutboxSignal signal, AuditLog audit, TimeProvider clock, ILogger<ErasureService> logger)
{
    public async Task<MediumErasure> EraseAsync(EraseMedium request, CancellationToken cancellationToken)
    {
        var id = request.MediaId;
        db.ChangeTracker.Clear();
        var known = request.ClientId is not null || await db.Media.AsNoTracking().AnyAsync(m => m.Id == id, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // PostgreSQL keeps microseconds: the first answer must carry the time every repetition reads back.
        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        // The row every writer of the medium locks; creating it when missing makes this wait for a writer that is
        // inserting it right now (and then delete what that writer stored), and makes later writers wait for this one.
        var pending = MediaStates.Pending;
        var priority = nameof(SubmissionPriority.Normal);
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO media (id, correlation_id, size_bytes, priority, first_seen_at, updated_at, state, frames_scored, decided_by_reviewer, legal_hold)
            VALUES ({id}, {Guid.Empty}, 0, {priority}, {now}, {now}, {pending}, 0, FALSE, FALSE)
            ON CONFLICT (id) DO NOTHING
            """,
            cancellationToken);
        var medium = await db.Media.FromSql($"SELECT * FROM media WHERE id = {id} FOR UPDATE").AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        var tombstone = await db.Erasures.AsNoTracking().FirstOrDefaultAsync(e => e.MediaId == id, cancellationToken);
        if (tombstone is not null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return request.AnyClient || tombstone.ClientId == request.ClientId
                ? Answer(ErasureOutcomes.AlreadyErased, tombstone)
                : NotFound(id);
        }

        var owner = medium?.ClientId ?? request.ClientId;
        if (medium is null || !known || (!request.AnyClient && owner != request.ClientId))
        {
            await transaction.RollbackAsync(cancellationToken);
            return NotFound(id);
        }

        if (medium.LegalHold)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new MediumErasure(id, ErasureOutcomes.LegalHold, owner, null, null, null, null);
        }

        tombstone = new Erasure
        {
            MediaId = id,
            ClientId = owner,
            Sha256 = (medium.Sha256 ?? request.Sha256)?.ToLowerInvariant(),
            ErasedBy = request.ErasedBy,
            ErasedAt = now,
            Reason = request.Reason,
        };
        db.Erasures.Add(tombstone);
        audit.Add(new AuditActor(request.ErasedBy, null), AuditActions.MediumErased, id, new { owner, reason = request.Reason });
        // Undelivered callbacks and events must not go out after the erasure; delivered ones carry the medium's data.
        await db.Database.ExecuteSqlAsync($"DELETE FROM outbox WHERE media_id = {id}", cancellationToken);
        // Frame scores (with embeddings), class maxima, the verdict, review tasks and feedback, PDQ hashes and bank matches go
        // with it (ON DELETE CASCADE); bank entries taken from it stay: they are their own records.
        await db.Database.ExecuteSqlAsync($"DELETE FROM media WHERE id = {id}", cancellationToken);
        outbox.Publish(new MediumErased(id, medium.CorrelationId));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        signal.Notify();
        logger.LogInformation("Erased {MediaId} of {ClientId} for {ErasedBy}", id, owner, request.ErasedBy);
        return Answer(ErasureOutcomes.Erased, tombstone);
    }

    private static MediumErasure Answer(string outcome, Erasure tombstone) =>
        new(tombstone.MediaId, outcome, tombstone.ClientId, tombstone.Sha256, tombstone.ErasedBy, tombstone.ErasedAt, tombstone.Reason);

    private static MediumErasure NotFound(Guid id) => new(id, ErasureOutcomes.NotFound, null, null, null, null, null);
}
