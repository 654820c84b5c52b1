namespace Moderation.Contracts.V1;

/// <summary>
/// A medium was accepted and stored; the frame extractor takes it from here.
/// Upload systems may publish this message themselves for bytes they stored in the blob store (see docs/integration.md);
/// to have ingest fetch a URL they publish <see cref="SubmitMediaByUrl"/>.
/// </summary>
/// <param name="MediaId">Identity of the medium, chosen by the submitter or by ingest.</param>
/// <param name="CorrelationId">Ties every message and span about this submission together.</param>
/// <param name="BlobKey">
/// Key of the stored bytes in the shared blob store (e.g. <c>media/ab/abcd…</c>). Always set, except in the previous
/// URL-only format: a direct publisher of an earlier version sent <paramref name="SourceUrl"/> and no blob to have
/// ingest fetch it. Ingest still treats such a message as <see cref="SubmitMediaByUrl"/> while deployments roll; the
/// extractor and results ignore it and wait for the stored copy ingest publishes.
/// </param>
/// <param name="SourceUrl">Where ingest fetched the medium from, when it was submitted by URL; informational.</param>
/// <param name="Sha256">Hex SHA-256 of the content when known; used for de-duplication.</param>
/// <param name="ContentType">Sniffed media type, e.g. <c>image/jpeg</c>, <c>video/mp4</c>.</param>
/// <param name="SizeBytes">Length of the stored content in bytes.</param>
/// <param name="ExternalId">The uploader's own identifier, e.g. a wiki file title and revision.</param>
/// <param name="CallbackUrl">Where results posts an HMAC-signed verdict callback.</param>
/// <param name="Priority">Scheduling lane of the submission.</param>
/// <param name="Policy">Name of the moderation policy to apply; null for the default policy.</param>
/// <param name="ClientId">The API client that submitted the medium.</param>
/// <param name="SubmittedAt">When ingest accepted the medium.</param>
public sealed record MediaSubmitted(
    Guid MediaId,
    Guid CorrelationId,
    string? BlobKey,
    string? SourceUrl,
    string? Sha256,
    string? ContentType,
    long SizeBytes,
    string? ExternalId,
    string? CallbackUrl,
    SubmissionPriority Priority,
    string? Policy,
    string? ClientId,
    DateTimeOffset SubmittedAt) : IMediaMessage;
