namespace Moderation.Results.Data;

/// <summary>
/// One line of the audit log: who (client and key) did what to which medium, when. Append-only: the database refuses
/// updates and deletes of the table, and there is no foreign key to <c>media</c>, so a record outlives the medium it names.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>Increasing in insertion order: the order of the log and its paging cursor.</summary>
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The acting client (an API key's client id, or <c>system:&lt;component&gt;</c> for work nobody asked for).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Which of the client's keys: ingest's visible key prefix, or <c>static:&lt;hash start&gt;</c> for configured keys.</summary>
    public string? KeyId { get; set; }

    /// <summary>One of <see cref="Audit.AuditActions"/> (other services' writers add their own).</summary>
    public string Action { get; set; } = "";

    public Guid? MediaId { get; set; }

    /// <summary>A JSON object with the particulars of the action.</summary>
    public string Details { get; set; } = "{}";
}
