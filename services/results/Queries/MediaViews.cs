using Moderation.Contracts.V1;

namespace Moderation.Results.Queries;

/// <summary><c>GET /media/{id}</c>: everything the dashboard shows about one medium.</summary>
public sealed record MediaDetails(
    Guid Id,
    string? ExternalId,
    string? Sha256,
    string? ContentType,
    long SizeBytes,
    string? Policy,
    SubmissionPriority Priority,
    string? ClientId,
    string State,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset UpdatedAt,
    MediaKind? Kind,
    double? DurationSeconds,
    int? PlannedFrames,
    int? ExpectedFrames,
    int FramesScored,
    double Progress,
    IReadOnlyList<ClassMaximum> LiveMaxima,
    VerdictView? Verdict,
    IReadOnlyList<ReviewView> Reviews,
    MediaFailure? Failure,
    RetentionView Retention)
{
    /// <summary>The PDQ hash of each hashed frame, in frame order.</summary>
    public IReadOnlyList<FrameHash> Hashes { get; init; } = [];
}

/// <param name="LegalHold">Under legal hold: neither erasure nor retention touches the medium.</param>
/// <param name="OriginalRemovedAt">When retention removed the original (the bytes go once no other medium has the same content).</param>
/// <param name="FramesRemovedAt">When retention removed the sampled frames.</param>
public sealed record RetentionView(bool LegalHold, DateTimeOffset? OriginalRemovedAt, DateTimeOffset? FramesRemovedAt);

/// <param name="Decision">The decision in force: the reviewer's when <paramref name="ByReviewer"/>, else the automatic one.</param>
public sealed record VerdictView(
    Decision Decision,
    Decision AutomaticDecision,
    bool ByReviewer,
    IReadOnlyList<ClassMaximum> Maxima,
    int FramesScored,
    string ModelName,
    string ModelVersion,
    string Policy,
    int PolicyVersion,
    bool DecidedEarly,
    string? TriggerClass,
    int? TriggerFrameIndex,
    DateTimeOffset DecidedAt,
    DateTimeOffset? OverriddenAt,
    double? LatencySeconds,
    double? ExtractionSeconds,
    string? ModelConfiguration,
    int EscalatedFrames,
    IReadOnlyList<FlaggedSegment> Segments)
{
    /// <summary>The hash-bank matches that decided or shaped the verdict.</summary>
    public IReadOnlyList<BankMatch> Matches { get; init; } = [];

    /// <summary>The same client's near-duplicate still whose decision the verdict reused, without inference.</summary>
    public Guid? ReusedFromMediaId { get; init; }
}

public sealed record ReviewView(
    Guid TaskId,
    string Status,
    string Reason,
    double Priority,
    DateTimeOffset CreatedAt,
    string? ClaimedBy,
    DateTimeOffset? LeaseExpiresAt,
    FeedbackView? Feedback);

public sealed record FeedbackView(
    Guid Id,
    string Reviewer,
    Decision Decision,
    IReadOnlyDictionary<string, bool> Labels,
    string? Comment,
    double TimeSpentSeconds,
    DateTimeOffset CreatedAt,
    bool Blind = false,
    string? ReasonCode = null);

/// <summary>One row of the dashboard's timeline: <c>GET /media/{id}/frames</c>.</summary>
/// <param name="Scores">The final scores, those the policy judged.</param>
/// <param name="ModelConfiguration">The configuration that scored the frame (<c>mobilenet_v2</c>, <c>cascade-v1</c>); null before the cascade.</param>
/// <param name="ScoreRule">Which rule produced <paramref name="Scores"/> (<c>single-model</c>, <c>outside-band</c>, <c>at-block</c>, <c>escalated</c>, <c>escalation-unavailable</c>).</param>
/// <param name="ModelScores">Every model's raw scores, in the order they ran.</param>
public sealed record FrameView(int FrameIndex, double TimestampSeconds, string ModelName, string ModelVersion, IReadOnlyDictionary<string, float> Scores, DateTimeOffset ClassifiedAt,
    string? ModelConfiguration, string? ScoreRule, IReadOnlyList<ModelScores> ModelScores)
{
    /// <summary>Classes with a class activation map beside the frame (the dashboard overlays it).</summary>
    public IReadOnlyList<string> HeatmapClasses { get; init; } = [];
}

/// <summary>One row of a search: <c>GET /media?…</c>.</summary>
public sealed record MediaSummary(
    Guid Id,
    string? ExternalId,
    string? Sha256,
    string State,
    Decision? Decision,
    bool ByReviewer,
    string? Policy,
    int FramesScored,
    double Progress,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset? DecidedAt,
    string? FailureReason);

public sealed record MediaPage(IReadOnlyList<MediaSummary> Items, DateTimeOffset? NextBefore);
