namespace Moderation.Ingest.Data;

/// <summary>
/// The tombstone of an erased medium: all ingest keeps of it (its submissions are deleted). It lets the owner (or an
/// administrator) repeat <c>DELETE /media/{id}</c> and get the same answer, while another client still gets 404.
/// </summary>
public sealed class Erasure
{
    public Guid MediaId { get; set; }

    public required string ClientId { get; set; }

    public string? Sha256 { get; set; }

    public required string ErasedBy { get; set; }

    public DateTimeOffset ErasedAt { get; set; }

    public string? Reason { get; set; }
}
