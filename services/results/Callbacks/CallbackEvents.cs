using Moderation.Contracts.V1;

namespace Moderation.Results.Callbacks;

/// <summary>Event names carried in callback bodies and the X-Moderation-Event header.</summary>
public static class CallbackEventNames
{
    public const string VerdictReached = "verdict.reached";
    public const string MediaFailed = "media.failed";

    /// <summary>A backfill re-scored the medium with another model version and its decision changed (docs/models.md).</summary>
    public const string VerdictRedecided = "verdict.redecided";
}

/// <summary>Body of a <c>verdict.reached</c> callback (sent again with <see cref="ByReviewer"/> when a reviewer overrides).</summary>
public sealed record VerdictCallback(
    Guid EventId,
    string Event,
    DateTimeOffset OccurredAt,
    Guid MediaId,
    string? ExternalId,
    string? Sha256,
    Decision Decision,
    bool ByReviewer,
    bool DecidedEarly,
    IReadOnlyList<ClassMaximum> Maxima,
    int FramesScored,
    string ModelName,
    string ModelVersion,
    string Policy,
    int PolicyVersion,
    DateTimeOffset DecidedAt,
    IReadOnlyList<FlaggedSegment> Segments);

/// <summary>Body of a <c>media.failed</c> callback.</summary>
public sealed record FailureCallback(
    Guid EventId,
    string Event,
    DateTimeOffset OccurredAt,
    Guid MediaId,
    string? ExternalId,
    string? Sha256,
    MediaFailure Failure);
