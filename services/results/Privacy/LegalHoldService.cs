using Microsoft.EntityFrameworkCore;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Privacy;

/// <summary>Places and lifts legal holds, under the medium's row lock (as erasure and retention check it) and audited.</summary>
public sealed class LegalHoldService(ResultsDbContext db, AuditLog audit, TimeProvider clock, ILogger<LegalHoldService> logger)
{
    /// <summary>Sets the medium's hold to <paramref name="hold"/>; false when there is no such medium.</summary>
    public async Task<bool> SetAsync(Guid mediaId, bool hold, AuditActor actor, string? reason, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var medium = await db.Media.FromSql($"SELECT * FROM media WHERE id = {mediaId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (medium is null)
        {
            return false;
        }

        medium.LegalHold = hold;
        medium.UpdatedAt = clock.GetUtcNow();
        audit.Add(actor, hold ? AuditActions.LegalHoldSet : AuditActions.LegalHoldCleared, mediaId, new { owner = medium.ClientId, reason });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        logger.LogInformation("Legal hold on {MediaId} {Action} by {Actor}", mediaId, hold ? "set" : "cleared", actor.ClientId);
        return true;
    }
}
