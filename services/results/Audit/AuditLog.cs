using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Data;

namespace Moderation.Results.Audit;

/// <summary>Who acted: a client and the key it used, or a component of the service itself.</summary>
public sealed record AuditActor(string ClientId, string? KeyId)
{
    public static AuditActor From(ClaimsPrincipal user) => new(user.ClientId(), user.KeyId());

    /// <summary>Work no caller asked for (a retention sweep, a command-line run).</summary>
    public static AuditActor System(string component) => new("system:" + component, null);
}

/// <summary>The actions results records. Names are <c>&lt;thing&gt;.&lt;verb&gt;</c>; a new writer adds its own here.</summary>
public static class AuditActions
{
    /// <summary>A review or admin key read a medium of another client.</summary>
    public const string CrossTenantRead = "media.cross-tenant-read";

    /// <summary>A review or admin key read statistics, evaluation or failed callbacks covering other clients.</summary>
    public const string CrossTenantAggregate = "aggregate.cross-tenant-read";
    public const string CallbackRedelivered = "callback.redeliver";
    public const string PolicyChanged = "policy.change";
    public const string HeadPublished = "model-head.publish";
    public const string HeadWithdrawn = "model-head.withdraw";
    public const string ReviewDecided = "review.decide";
    public const string ReviewUndone = "review.undo";
    public const string ReviewSkipped = "review.skip";
    public const string ReviewRevealed = "review.reveal";
    public const string MediumErased = "medium.erase";
    public const string LegalHoldSet = "legal-hold.set";
    public const string LegalHoldCleared = "legal-hold.clear";
    public const string RetentionOriginal = "retention.original";
    public const string RetentionFrames = "retention.frames";
    public const string ModelRegistered = "model.register";
    public const string ModelActivated = "model.activate";
    public const string ModelShadowed = "model.shadow";
    public const string ModelShadowCleared = "model.shadow-clear";
    public const string ModelPromoted = "model.promote";
    public const string ModelRolledBack = "model.rollback";
    public const string BackfillStarted = "backfill.start";
    public const string BackfillCancelled = "backfill.cancel";
    public const string BackfillResumed = "backfill.resume";

    /// <summary>A backfill replaced a medium's decision in force with its re-scored one.</summary>
    public const string VerdictRedecided = "verdict.redecide";

    public const string BankCreated = "bank.create";
    public const string BankDeleted = "bank.delete";
    public const string BankEntriesAdded = "bank.entries-add";
    public const string BankEntryRemoved = "bank.entry-remove";
}

/// <summary>
/// The one writer of <c>audit_log</c>. <see cref="Add"/> puts the record into the caller's unit of work, so it commits
/// with the change it describes or not at all; <see cref="WriteAsync"/> saves it at once, for reads that change nothing.
/// </summary>
public sealed class AuditLog(ResultsDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public AuditEntry Add(AuditActor actor, string action, Guid? mediaId, object? details = null)
    {
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow(),
            ClientId = actor.ClientId,
            KeyId = actor.KeyId,
            Action = action,
            MediaId = mediaId,
            Details = details is null ? "{}" : JsonSerializer.Serialize(details, DetailsJson),
        };
        db.AuditLog.Add(entry);
        return entry;
    }

    /// <summary>Records and saves now. Any other pending change of the same context is saved with it.</summary>
    public async Task WriteAsync(AuditActor actor, string action, Guid? mediaId, object? details, CancellationToken cancellationToken)
    {
        var entry = Add(actor, action, mediaId, details);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(entry).State = EntityState.Detached;
    }

    /// <summary>
    /// Records a read of <paramref name="mediaId"/> when the caller is not its owner (only review and admin keys get that
    /// far; others are answered 404). <paramref name="ownerClientId"/> when the caller already knows it, else it is looked up.
    /// </summary>
    public async Task CrossTenantReadAsync(ClaimsPrincipal user, Guid mediaId, string what, CancellationToken cancellationToken,
        bool ownerKnown = false, string? ownerClientId = null)
    {
        if (user.MediaOwnerFilter() is not null)
        {
            return;
        }

        var owner = ownerKnown ? ownerClientId : await OwnerAsync(mediaId, cancellationToken);
        var actor = AuditActor.From(user);
        if (owner != actor.ClientId)
        {
            await WriteAsync(actor, AuditActions.CrossTenantRead, mediaId, new { owner, what }, cancellationToken);
        }
    }

    /// <summary>Records a read on another service's behalf (ingest's status endpoint) when the reader is not the medium's owner.</summary>
    public async Task CrossTenantReadAsync(AuditActor reader, Guid mediaId, string what, CancellationToken cancellationToken)
    {
        var medium = await db.Media.AsNoTracking().Where(m => m.Id == mediaId).Select(m => new { m.ClientId }).FirstOrDefaultAsync(cancellationToken);
        if (medium is not null && medium.ClientId != reader.ClientId)
        {
            await WriteAsync(reader, AuditActions.CrossTenantRead, mediaId, new { owner = medium.ClientId, what }, cancellationToken);
        }
    }

    private Task<string?> OwnerAsync(Guid mediaId, CancellationToken cancellationToken) =>
        db.Media.AsNoTracking().Where(m => m.Id == mediaId).Select(m => m.ClientId).FirstOrDefaultAsync(cancellationToken);
}
