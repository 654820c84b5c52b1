namespace Moderation.Ingest.Data;

/// <summary>
/// One entry of a client's source allow-list: a host name or an address range on a private network (or this machine)
/// from which ingest may fetch that client's URLs although the SSRF guard refuses such addresses to everyone else.
/// Rows are never deleted: revoking stamps <see cref="RevokedAt"/>, so the table is also the audit trail of who opened
/// which source, why, and who closed it.
/// </summary>
public sealed class SourceAllowance
{
    public Guid Id { get; set; }

    /// <summary>The client whose URL fetches may reach <see cref="Source"/>, e.g. <c>wiki</c>.</summary>
    public required string ClientId { get; set; }

    /// <summary>Canonical form: a lower-case host name (<c>wiki.internal</c>) or a CIDR range (<c>10.20.0.0/16</c>, <c>127.0.0.1/32</c>).</summary>
    public required string Source { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The administrator who added it: client id and, when a key was used, the key's prefix.</summary>
    public required string CreatedBy { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }

    public string? RevokeReason { get; set; }
}
