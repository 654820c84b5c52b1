using Moderation.Contracts.V1;

namespace Moderation.Dashboard.Results;

// The results service's HTTP API as the dashboard reads it (docs/results.md). Kept apart from the service's own types
// on purpose: the dashboard is a client over HTTP and tolerates fields it does not know.

/// <summary><c>GET /me</c>: who holds the API key.</summary>
public sealed record CallerIdentity(string ClientId, IReadOnlyList<string> Scopes);

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
    RetentionView? Retention);

/// <param name="LegalHold">Under legal hold: neither erasure nor retention touches the medium.</param>
/// <param name="OriginalRemovedAt">When retention removed the original.</param>
/// <param name="FramesRemovedAt">When retention removed the sampled frames.</param>
public sealed record RetentionView(bool LegalHold, DateTimeOffset? OriginalRemovedAt, DateTimeOffset? FramesRemovedAt);

/// <summary><c>GET /media/{id}/erasure</c>, and ingest's answer to <c>DELETE /media/{id}</c>: what is kept of an erased medium.</summary>
public sealed record ErasureView(Guid MediaId, string? ClientId, string? Sha256, string? ErasedBy, DateTimeOffset? ErasedAt, string? Reason);

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
    IReadOnlyList<FlaggedSegment>? Segments = null);

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

public sealed record FrameView(int FrameIndex, double TimestampSeconds, string ModelName, string ModelVersion, IReadOnlyDictionary<string, float> Scores,
    DateTimeOffset ClassifiedAt)
{
    /// <summary>Classes with a heatmap (class activation map) beside the frame.</summary>
    public IReadOnlyList<string> HeatmapClasses { get; init; } = [];
}

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

/// <param name="Policy">The policy the decision is taken under: its description and reason codes.</param>
public sealed record ClaimedReview(Guid TaskId, Guid MediaId, string Reason, double Priority, DateTimeOffset CreatedAt, DateTimeOffset LeaseExpiresAt,
    MediaDetails Media, IReadOnlyList<FrameView> Frames, IReadOnlyList<string>? Revealed = null, ReviewPolicyView? Policy = null)
{
    /// <summary>The reviewer already looked at some of it (a decision needs that, or "blind").</summary>
    public bool Looked => Revealed is { Count: > 0 };

    /// <summary>The reviewer already saw it move or a frame of it (allowing a video needs that).</summary>
    public bool LookedMoving => Revealed?.Any(k => k is "frame" or "player") == true;
}

/// <summary>A reason a reviewer may give for a decision under a policy (admin-managed, per policy).</summary>
public sealed record ReasonCode(string Code, string Label, string? Description = null);

/// <summary>What the desk shows of the policy a task is decided under.</summary>
/// <param name="RequireBlockReason">A block must carry one of <paramref name="ReasonCodes"/>; results refuses it otherwise.</param>
public sealed record ReviewPolicyView(string Name, int Version, string? Description, IReadOnlyList<ReasonCode> ReasonCodes, bool RequireBlockReason);

public sealed record ReviewDecisionRequest(Decision Decision, Dictionary<string, bool>? Labels, string? Comment, double? TimeSpentSeconds, bool? Blind = null,
    string? AddToBank = null, string? ReasonCode = null);

/// <summary>A reviewer's exposure on one UTC day, as results counts it.</summary>
public sealed record ExposureDay(DateOnly Day, int Items, int Reveals);

public sealed record ExposureHistory(ExposureDay Today, IReadOnlyList<ExposureDay> Days);

/// <summary>A hash bank as results lists it (<c>GET /banks</c>); <see cref="ClientId"/> null for a global bank.</summary>
public sealed record BankView(string Name, string Action, int MaxDistance, string? ClientId);

public sealed record ReviewQueueStats(int Open, int Claimed, int Done, double? OldestOpenAgeSeconds);

/// <summary>One policy's review queue.</summary>
public sealed record ReviewQueueView(string Policy, int Open, int Unclaimed, double? OldestOpenAgeSeconds);

/// <summary>Which queue the reviewer works: a policy and a kind of medium; null means any.</summary>
public sealed record QueueFilter(string? Policy, string? Kind)
{
    public string Query => string.Join('&', new[] { ("policy", Policy), ("kind", Kind) }.Where(p => !string.IsNullOrEmpty(p.Item2))
        .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
}

public sealed record PolicyView(string Name, int Version, IReadOnlyDictionary<string, float> Block, IReadOnlyDictionary<string, float> Review, bool EarlyExit,
    DateTimeOffset CreatedAt, string CreatedBy, string? Comment, string? Description = null, IReadOnlyList<ReasonCode>? ReasonCodes = null,
    bool RequireBlockReason = false);

public sealed record RateSummary(int TruePositives, int FalsePositives, int FalseNegatives, int TrueNegatives, double? Precision, double? Recall,
    double? FalsePositiveRate, double? F1);

public sealed record ModelEvaluation(string ModelVersion, int ReviewedMedia, RateSummary Flagged, RateSummary Blocked, IReadOnlyList<ClassEvaluation> Classes);

public sealed record ClassEvaluation(string Class, int Labelled, RateSummary Rates);

public sealed record EvaluationReport(DateTimeOffset GeneratedAt, DateTimeOffset? Since, DateTimeOffset? Until, int ReviewedMedia, IReadOnlyList<ModelEvaluation> Models);

public sealed record CurvePoint(float Threshold, double Recall, double FalsePositiveRate, double? Precision, int TruePositives, int FalsePositives);

public enum RecommendationTarget
{
    Recall,
    FalsePositiveRate,
}

public enum ThresholdLevel
{
    Review,
    Block,
}

public sealed record ThresholdRecommendation(
    RecommendationTarget Target,
    double TargetValue,
    bool Achievable,
    CurvePoint Point,
    int Positives,
    int Negatives,
    double RocAuc,
    double AveragePrecision,
    IReadOnlyList<CurvePoint> Curve);

public sealed record ClassRecommendation(string Class, string? ModelVersion, float? CurrentThreshold, ThresholdRecommendation Recommendation);

public sealed record ApplyRecommendationRequest(string Class, ThresholdLevel Level, RecommendationTarget Target, double Value, string? ModelVersion,
    DateTimeOffset? Since, string? Comment);

public sealed record AppliedRecommendation(PolicyView Policy, ClassRecommendation Recommendation);

/// <summary><c>GET /stats/overview</c>: throughput, queue depths and the verdict mix per time bucket.</summary>
public sealed record StatsOverview(DateTimeOffset From, DateTimeOffset To, int BucketMinutes, QueueDepths Queues, IReadOnlyList<StatsBucket> Buckets);

public sealed record QueueDepths(int MediaPending, int MediaProcessing, int ReviewOpen, int ReviewClaimed, double? OldestReviewAgeSeconds);

/// <summary>Automatic verdicts by decision, failures and reviewer decisions within one bucket.</summary>
public sealed record StatsBucket(DateTimeOffset Start, int Allowed, int Review, int Blocked, int Failed, int Reviewed);

/// <summary>One line of results' audit log.</summary>
public sealed record AuditEntryView(long Id, DateTimeOffset At, string ClientId, string? KeyId, string Action, Guid? MediaId, System.Text.Json.JsonElement Details)
{
    public string? Detail(string name) => Details.ValueKind == System.Text.Json.JsonValueKind.Object && Details.TryGetProperty(name, out var v)
        && v.ValueKind is not System.Text.Json.JsonValueKind.Null
        ? v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : v.GetRawText()
        : null;
}

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long? NextBefore);

/// <summary>Which part of the audit log: by medium, acting client (reviewer), action; page with <see cref="Before"/>.</summary>
public sealed record AuditQuery(Guid? MediaId = null, string? ClientId = null, string? Action = null, long? Before = null)
{
    public string Query => string.Join('&', new[]
    {
        ("mediaId", MediaId?.ToString()), ("clientId", ClientId), ("action", Action), ("before", Before?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    }.Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
}

/// <summary>A decision (<c>decide</c>) or skip of the reviewer's that may still be undone.</summary>
public sealed record RecentReview(Guid TaskId, Guid MediaId, string? ExternalId, string Action, Decision? Decision, DateTimeOffset At, DateTimeOffset UndoableUntil);

/// <summary>A reviewer's desk settings: blur strength (CSS pixels) and greyscale of pictures not revealed.</summary>
public sealed record ReviewerSettingsView(int BlurPixels, bool Greyscale)
{
    public const int MaxBlurPixels = 64;
}

/// <summary>One UTC day of a reviewer's work and exposure (<c>GET /reviews/reviewers/{reviewer}/stats</c>).</summary>
public sealed record ReviewerDay(DateOnly Day, int Decisions, int Blocks, int ActiveHours, double? DecisionsPerHour, double? MedianHandlingSeconds,
    double HandlingSeconds, int Items, int Reveals);

/// <summary>Agreement with other reviewers on the same media, overall and on audit samples.</summary>
public sealed record ReviewerAgreement(int Pairs, int Agreed, double? Rate, int AuditPairs, int AuditAgreed, double? AuditRate);

public sealed record ReviewerStats(string Reviewer, DateOnly From, DateOnly To, int Decisions, int Blocks, int Blind, int Undone, int Skips,
    double? DecisionsPerHour, double? MedianHandlingSeconds, double? P90HandlingSeconds, ReviewerAgreement Agreement, IReadOnlyList<ReviewerDay> Days);

/// <summary>The reviewer's enforced break (results' <c>Review:BreakAfterExposure</c>): while due, results refuses claims, reveals and decisions.</summary>
public sealed record BreakState(bool Due, double ExposureMinutes, DateTimeOffset? ResumeAt, double? AfterMinutes, double BreakMinutes);
