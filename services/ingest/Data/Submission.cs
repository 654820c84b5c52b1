using Moderation.Contracts.V1;

namespace Moderation.Ingest.Data;

/// <summary>
/// What ingest accepted from a client. It makes retries safe (same <see cref="IdempotencyKey"/> or <see cref="ExternalId"/>
/// → same answer), lets a client read only its own media, and records which submissions were answered from an existing
/// verdict. Moderation results themselves live in the results service.
/// </summary>
public sealed class Submission
{
    public Guid Id { get; set; }

    /// <summary>The medium the submission is about; for a duplicate, the medium whose verdict was reused.</summary>
    public Guid MediaId { get; set; }

    public Guid CorrelationId { get; set; }

    public required string ClientId { get; set; }

    public string? IdempotencyKey { get; set; }

    public string? ExternalId { get; set; }

    public SubmissionState State { get; set; }

    public SubmissionSource Source { get; set; }

    public string? Sha256 { get; set; }

    public string? BlobKey { get; set; }

    public string? ContentType { get; set; }

    public long SizeBytes { get; set; }

    public string? SourceUrl { get; set; }

    public string? CallbackUrl { get; set; }

    public SubmissionPriority Priority { get; set; }

    public string? Policy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }
}

public enum SubmissionState
{
    /// <summary>Recorded, <c>MediaSubmitted</c> not yet confirmed by the broker.</summary>
    Pending = 0,

    /// <summary><c>MediaSubmitted</c> was confirmed by the broker: the medium will end in a verdict or a failure.</summary>
    Accepted = 1,

    /// <summary>Answered with the existing verdict of identical content; nothing was published.</summary>
    Duplicate = 2,
}

public enum SubmissionSource
{
    Upload = 0,
    Url = 1,
    Webhook = 2,
    DirectPublish = 3,
}
