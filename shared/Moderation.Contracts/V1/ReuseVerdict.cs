namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="MediaStatus"/>): identical content was already judged for another
/// client, so record <paramref name="MediaId"/> as this client's own completed medium carrying a copy of the verdict of
/// <paramref name="SourceMediaId"/>. Nothing about the source (its id, external id, client) becomes visible to this
/// client. Idempotent on <paramref name="MediaId"/>; answered with <c>Found = false</c> when the source has no
/// reusable verdict.
/// </summary>
public sealed record ReuseVerdict(
    Guid MediaId,
    Guid SourceMediaId,
    Guid CorrelationId,
    string Sha256,
    string? ContentType,
    long SizeBytes,
    string? ExternalId,
    SubmissionPriority Priority,
    string? Policy,
    string ClientId,
    DateTimeOffset SubmittedAt);
