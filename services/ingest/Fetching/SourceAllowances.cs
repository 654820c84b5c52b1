using Microsoft.EntityFrameworkCore;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.Fetching;

/// <summary>
/// The per-client source allow-lists in ingest's database: read on every URL fetch, changed only by administrators
/// (<c>/admin/sources</c>). An entry is never deleted; revoking it records who and why, so the rows are the audit trail.
/// </summary>
public sealed class SourceAllowances(IngestDbContext db, TimeProvider clock, ILogger<SourceAllowances> logger)
{
    /// <summary>The active entries of <paramref name="clientId"/>, ready for the fetcher.</summary>
    public async Task<SourceAllowList> ForClientAsync(string? clientId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return SourceAllowList.Empty;
        }

        var sources = await db.SourceAllowances.AsNoTracking()
            .Where(a => a.ClientId == clientId && a.RevokedAt == null)
            .Select(a => a.Source)
            .ToListAsync(cancellationToken);
        return sources.Count == 0 ? SourceAllowList.Empty : new SourceAllowList(clientId, [.. sources.Select(SourceRule.Parse)]);
    }

    /// <summary>Adds an entry; <see cref="ArgumentException"/> names what is wrong with the request.</summary>
    public async Task<SourceAllowance> AddAsync(string clientId, string source, string? reason, string actor, CancellationToken cancellationToken)
    {
        if (!ClientIds.IsValid(clientId))
        {
            throw new ArgumentException($"Client id '{clientId}' must be 1–64 characters of a–z, 0–9, '-', '_' or '.'.", nameof(clientId));
        }

        if (!SourceRule.TryParse(source, out var rule, out var error))
        {
            throw new ArgumentException(error, nameof(source));
        }

        if (reason is not { Length: > 0 and <= 1024 } || string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A reason (1–1024 characters) is required: it is what the audit trail shows.", nameof(reason));
        }

        var entry = new SourceAllowance
        {
            Id = Guid.CreateVersion7(),
            ClientId = clientId,
            Source = rule.Text,
            Reason = reason.Trim(),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = actor,
        };
        db.SourceAllowances.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogWarning("Source {Source} allowed for client {ClientId} by {Actor}: {Reason} (entry {EntryId})", entry.Source, clientId, actor, entry.Reason, entry.Id);
        return entry;
    }

    /// <summary>Entries, newest first; revoked ones too when <paramref name="includeRevoked"/>.</summary>
    public Task<List<SourceAllowance>> ListAsync(string? clientId, bool includeRevoked, CancellationToken cancellationToken) =>
        db.SourceAllowances.AsNoTracking()
            .Where(a => clientId == null || a.ClientId == clientId)
            .Where(a => includeRevoked || a.RevokedAt == null)
            .OrderByDescending(a => a.CreatedAt)
            .ToListAsync(cancellationToken);

    /// <summary>Revokes an active entry; null when there is none with this id.</summary>
    public async Task<SourceAllowance?> RevokeAsync(Guid id, string? reason, string actor, CancellationToken cancellationToken)
    {
        var entry = await db.SourceAllowances.FirstOrDefaultAsync(a => a.Id == id && a.RevokedAt == null, cancellationToken);
        if (entry is null)
        {
            return null;
        }

        entry.RevokedAt = clock.GetUtcNow();
        entry.RevokedBy = actor;
        var trimmed = reason?.Trim();
        entry.RevokeReason = string.IsNullOrEmpty(trimmed) ? null : trimmed[..Math.Min(trimmed.Length, 1024)];
        await db.SaveChangesAsync(cancellationToken);
        logger.LogWarning("Source {Source} of client {ClientId} revoked by {Actor}: {Reason} (entry {EntryId})", entry.Source, entry.ClientId, actor, entry.RevokeReason, entry.Id);
        return entry;
    }
}
