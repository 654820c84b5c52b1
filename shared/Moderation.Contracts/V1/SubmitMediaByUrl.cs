namespace Moderation.Contracts.V1;

/// <summary>
/// A direct publisher asks ingest to fetch a medium from a URL (see docs/integration.md). Ingest alone consumes it:
/// it fetches the URL through its SSRF guard and validation, stores the bytes and publishes
/// <see cref="MediaSubmitted"/> with the blob, or <see cref="MediaFailed"/> when the URL is refused.
/// </summary>
/// <param name="MediaId">Identity of the medium, chosen by the publisher.</param>
/// <param name="CorrelationId">Ties every message and span about this submission together.</param>
/// <param name="SourceUrl">The absolute http(s) URL to fetch.</param>
/// <param name="ExternalId">The uploader's own identifier, e.g. a wiki file title and revision.</param>
/// <param name="CallbackUrl">Where results posts an HMAC-signed verdict callback.</param>
/// <param name="Priority">Scheduling lane of the submission.</param>
/// <param name="Policy">Name of the moderation policy to apply; null for the default policy.</param>
/// <param name="ClientId">The publisher's client id; null records it as <c>direct-publish</c>.</param>
/// <param name="SubmittedAt">When the publisher submitted the medium.</param>
public sealed record SubmitMediaByUrl(
    Guid MediaId,
    Guid CorrelationId,
    string SourceUrl,
    string? ExternalId,
    string? CallbackUrl,
    SubmissionPriority Priority,
    string? Policy,
    string? ClientId,
    DateTimeOffset SubmittedAt) : IMediaMessage;
