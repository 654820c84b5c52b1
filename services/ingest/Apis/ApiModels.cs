using System.ComponentModel;
using Moderation.Contracts.V1;

namespace Moderation.Ingest.Apis;

/// <summary>The answer to a submission: where to follow the medium, and its verdict when identical content was already judged.</summary>
public sealed record SubmissionResponse(
    [property: Description("Identity of the medium; for a duplicate, this client's own medium carrying the reused verdict.")] Guid MediaId,
    [property: Description("pending (accepted, being classified) or completed (duplicate answered with an existing verdict).")] string Status,
    [property: Description("GET this URL for status, progress and verdict.")] string StatusUrl,
    [property: Description("True when identical content was already judged and nothing new was queued.")] bool Duplicate,
    string? Sha256,
    string? ContentType,
    long SizeBytes,
    string? ExternalId,
    SubmissionPriority Priority,
    MediaVerdict? Verdict)
{
    [Description("Why the medium failed, when a request that waited (wait=…) saw it fail.")]
    public MediaFailure? Failure { get; init; }
}

/// <summary>Status, progress and verdict of one medium.</summary>
public sealed record MediaStatusResponse(
    Guid MediaId,
    [property: Description("unknown, pending, processing, completed or failed.")] string State,
    string? ExternalId,
    string? Sha256,
    int PlannedFrames,
    int FramesScored,
    [property: Description("Fraction of planned frames scored, 0–1.")] double Progress,
    MediaVerdict? Verdict,
    MediaFailure? Failure)
{
    [Description("PDQ hash of each hashed frame: a still's one, a video's or an animation's per sampled frame with its timestamp.")]
    public IReadOnlyList<FrameHash> Hashes { get; init; } = [];
}

/// <summary>Submit a medium by URL; ingest fetches it (http/https to public addresses only).</summary>
public sealed record UrlSubmission(
    [property: Description("http(s) URL of the medium.")] string Url,
    [property: Description("Your own identifier, e.g. a wiki file title and revision; retries with the same one are safe.")] string? ExternalId,
    [property: Description("Where the verdict is posted (HMAC-signed) when it is reached.")] string? CallbackUrl,
    SubmissionPriority? Priority,
    [property: Description("Moderation policy name; default policy when absent.")] string? Policy);

/// <summary>The body of a signed upload-hook call (<c>POST /hooks/upload</c>).</summary>
public sealed record UploadHook(
    [property: Description("http(s) URL of the uploaded file.")] string Url,
    [property: Description("The wiki file title and revision (or any id of yours); repeated deliveries with the same one are answered once.")] string? ExternalId,
    string? CallbackUrl,
    SubmissionPriority? Priority,
    string? Policy,
    [property: Description("Your delivery id, logged for correlation.")] string? DeliveryId);

public sealed record CreateApiKeyRequest(string ClientId, IReadOnlyList<string> Scopes, string? Description);

/// <summary>A new API key. <see cref="Key"/> is shown only in this response; only its hash is stored.</summary>
public sealed record CreatedApiKeyResponse(Guid Id, string ClientId, string KeyPrefix, IReadOnlyList<string> Scopes, string Key);

public sealed record ApiKeyResponse(Guid Id, string ClientId, string KeyPrefix, IReadOnlyList<string> Scopes, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
