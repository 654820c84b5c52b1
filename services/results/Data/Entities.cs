using Moderation.Contracts.V1;
using Moderation.Results.Policies;

namespace Moderation.Results.Data;

/// <summary>
/// One submitted medium and its running aggregation state. The row is the unit of locking: every state change of a
/// medium happens in one transaction that holds <c>SELECT … FOR UPDATE</c> on it, so concurrent frames never lose a
/// maximum and a medium is concluded once.
/// </summary>
public sealed class Medium
{
    public Guid Id { get; set; }

    public Guid CorrelationId { get; set; }

    public string? ExternalId { get; set; }

    public string? Sha256 { get; set; }

    public string? ContentType { get; set; }

    public long SizeBytes { get; set; }

    public string? CallbackUrl { get; set; }

    /// <summary>Policy named by the submission; null means the default policy.</summary>
    public string? PolicyName { get; set; }

    public string? ClientId { get; set; }

    public SubmissionPriority Priority { get; set; }

    public MediaKind? Kind { get; set; }

    public double? DurationSeconds { get; set; }

    /// <summary>Seconds between sampled frames, as planned (0 for a still); where a segment's last sample stops counting.</summary>
    public double? SampleIntervalSeconds { get; set; }

    /// <summary>Null until <see cref="MediaSubmitted"/> arrives; frames may be scored before that.</summary>
    public DateTimeOffset? SubmittedAt { get; set; }

    public DateTimeOffset FirstSeenAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>One of <see cref="MediaStates"/>.</summary>
    public string State { get; set; } = MediaStates.Pending;

    public int? PlannedFrames { get; set; }

    /// <summary>Exact frame count from <see cref="FrameExtractionCompleted"/>; the verdict completes when this many frames are scored.</summary>
    public int? ExpectedFrames { get; set; }

    public int FramesScored { get; set; }

    public TimeSpan? ExtractionElapsed { get; set; }

    /// <summary>The decision in force: the automatic verdict's, or the latest reviewer's when <see cref="DecidedByReviewer"/>.</summary>
    public Decision? Decision { get; set; }

    public bool DecidedByReviewer { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public string? FailureReason { get; set; }

    public string? FailureDetail { get; set; }

    public string? FailureStage { get; set; }

    public DateTimeOffset? FailedAt { get; set; }

    /// <summary>Under legal hold: neither erasure nor retention may touch it (set and cleared by an administrator).</summary>
    public bool LegalHold { get; set; }

    /// <summary>When retention removed the original's reference (the bytes go once no medium references them).</summary>
    public DateTimeOffset? OriginalRemovedAt { get; set; }

    /// <summary>When retention removed the sampled frames.</summary>
    public DateTimeOffset? FramesRemovedAt { get; set; }

    /// <summary>The same client's decided still this one is a near duplicate of (PDQ), found when it was hashed.</summary>
    public Guid? NearDuplicateOf { get; set; }

    /// <summary>The decision in force of <see cref="NearDuplicateOf"/> when it was found: the verdict reuses it.</summary>
    public Decision? NearDuplicateDecision { get; set; }

    public bool IsRegistered => SubmittedAt is not null;

    public bool IsConcluded => State is MediaStates.Completed or MediaStates.Failed;
}

/// <summary>The scores of one frame by one model version. Primary key (media, frame, model version) makes redelivery a no-op.</summary>
public sealed class FrameScore
{
    public Guid MediaId { get; set; }

    public int FrameIndex { get; set; }

    public string ModelVersion { get; set; } = "";

    public string ModelName { get; set; } = "";

    public double TimestampSeconds { get; set; }

    public Dictionary<string, float> Scores { get; set; } = [];

    /// <summary>The model's penultimate-layer embedding, kept for the feedback-trained head.</summary>
    public float[]? Embedding { get; set; }

    /// <summary>Classes with a class activation map stored beside the frame (a heatmap for reviewers).</summary>
    public List<string> HeatmapClasses { get; set; } = [];

    public DateTimeOffset ClassifiedAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>The model configuration that scored the frame (<see cref="Contracts.V1.ModelConfigurations"/>); null from classifiers before the cascade.</summary>
    public string? ModelConfiguration { get; set; }

    /// <summary>Which rule produced <see cref="Scores"/> (<see cref="Contracts.V1.ScoreRules"/>); null from classifiers before the cascade.</summary>
    public string? ScoreRule { get; set; }

    /// <summary>Every model's raw scores, in the order the models ran; empty from classifiers before the cascade.</summary>
    public List<Contracts.V1.ModelScores> ModelScores { get; set; } = [];
}

/// <summary>Running maximum of one class over a medium's frames; ties go to the lower frame index so arrival order never matters.</summary>
public sealed class ClassMaximumRow
{
    public Guid MediaId { get; set; }

    public string ClassName { get; set; } = "";

    public float Score { get; set; }

    public int FrameIndex { get; set; }

    public double TimestampSeconds { get; set; }

    public string ModelVersion { get; set; } = "";
}

/// <summary>
/// What every automatic decision of a medium records, as <see cref="Lifecycle.MediumLifecycle"/> judges it: its first
/// verdict (<see cref="Verdict"/>) and each later revision a backfill writes (<see cref="VerdictRevision"/>).
/// </summary>
public abstract class AutomaticDecision
{
    public Guid MediaId { get; set; }

    public Decision Decision { get; set; }

    public List<ClassMaximum> Maxima { get; set; } = [];

    public int FramesScored { get; set; }

    public string ModelName { get; set; } = "";

    public string ModelVersion { get; set; } = "";

    public string PolicyName { get; set; } = "";

    public int PolicyVersion { get; set; }

    /// <summary>The class whose score decided a block or review, and its frame, when one did.</summary>
    public string? TriggerClass { get; set; }

    public int? TriggerFrameIndex { get; set; }

    /// <summary>Time ranges over the policy's thresholds (videos and animations).</summary>
    public List<FlaggedSegment> Segments { get; set; } = [];

    /// <summary>The hash-bank matches behind the decision; empty when known content played no part.</summary>
    public List<BankMatch> Matches { get; set; } = [];

    /// <summary>The same client's near-duplicate still whose decision this one reused, without inference.</summary>
    public Guid? ReusedFromMediaId { get; set; }

    public DateTimeOffset DecidedAt { get; set; }
}

/// <summary>The automatic verdict of a medium: written once, never updated. Reviewer decisions live in <see cref="ReviewFeedback"/>.</summary>
public sealed class Verdict : AutomaticDecision
{
    public Guid Id { get; set; }

    public bool DecidedEarly { get; set; }

    /// <summary>From submission to verdict; null when the medium was never registered with a submission time.</summary>
    public TimeSpan? Latency { get; set; }

    public TimeSpan? ExtractionElapsed { get; set; }

    /// <summary>The model configurations that scored the medium's frames (comma-separated, like <see cref="AutomaticDecision.ModelName"/>); null before the cascade.</summary>
    public string? ModelConfiguration { get; set; }

    /// <summary>How many of the frames the cascade re-scored with its second model.</summary>
    public int EscalatedFrames { get; set; }
}

public static class ReviewTaskStates
{
    public const string Open = "open";
    public const string Done = "done";
    public const string Cancelled = "cancelled";
}

public static class ReviewReasons
{
    /// <summary>The policy said review.</summary>
    public const string Policy = "policy";

    /// <summary>A random sample of allow/block verdicts, so evaluation sees more than the grey zone.</summary>
    public const string Audit = "audit";

    /// <summary>The medium matched a hash bank whose action is review.</summary>
    public const string Bank = "bank";
}

public sealed class ReviewTask
{
    public Guid Id { get; set; }

    public Guid MediaId { get; set; }

    public string Reason { get; set; } = ReviewReasons.Policy;

    /// <summary>Highest score among the classes the policy reviews; claims take the highest first, then the oldest.</summary>
    public double Priority { get; set; }

    public string Status { get; set; } = ReviewTaskStates.Open;

    public DateTimeOffset CreatedAt { get; set; }

    public string? ClaimedBy { get; set; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>Reviewers who skipped the task; it is not offered to them again.</summary>
    public List<string> SkippedBy { get; set; } = [];

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>A reviewer's decision on a medium: the ground truth the evaluation and the feedback head learn from.</summary>
public sealed class ReviewFeedback
{
    public Guid Id { get; set; }

    public Guid TaskId { get; set; }

    public Guid MediaId { get; set; }

    public string Reviewer { get; set; } = "";

    public Decision Decision { get; set; }

    /// <summary>True labels per class name (true: the class applies). Classes the reviewer did not judge are absent.</summary>
    public Dictionary<string, bool> Labels { get; set; } = [];

    public string? Comment { get; set; }

    public TimeSpan TimeSpent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Decision AutomaticDecision { get; set; }

    public string ModelVersion { get; set; } = "";

    public string PolicyName { get; set; } = "";

    public int PolicyVersion { get; set; }

    /// <summary>Decided without revealing any of the task's media (the reviewer said so explicitly).</summary>
    public bool Blind { get; set; }

    /// <summary>One of the policy's <see cref="PolicyVersion.ReasonCodes"/>, when the reviewer gave one.</summary>
    public string? ReasonCode { get; set; }
}

/// <summary>What a reviewer may unblur or play while holding a task.</summary>
public static class RevealKinds
{
    /// <summary>A sampled frame (<see cref="ReviewReveal.FrameIndex"/>).</summary>
    public const string Frame = "frame";

    /// <summary>The original still at full resolution.</summary>
    public const string Original = "original";

    /// <summary>The original video in the player.</summary>
    public const string Player = "player";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Frame, Original, Player };
}

/// <summary>
/// A reviewer looked at some of a task's media: the proof a decision needs (or it is marked blind), and the reviewer's
/// exposure. One row per task, reviewer and thing revealed; looking again at the same frame adds nothing.
/// </summary>
public sealed class ReviewReveal
{
    public Guid Id { get; set; }

    public Guid TaskId { get; set; }

    public Guid MediaId { get; set; }

    public string Reviewer { get; set; } = "";

    /// <summary>One of <see cref="RevealKinds"/>.</summary>
    public string Kind { get; set; } = RevealKinds.Frame;

    /// <summary>The frame for <see cref="RevealKinds.Frame"/>; null otherwise.</summary>
    public int? FrameIndex { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>A reviewer's exposure on one UTC day: items decided and media revealed. Survives sign-ins and dashboard replicas.</summary>
public sealed class ReviewerExposure
{
    public string Reviewer { get; set; } = "";

    public DateOnly Day { get; set; }

    public int Items { get; set; }

    public int Reveals { get; set; }
}

/// <summary>
/// A reviewer's own wellbeing settings for the desk: how strongly pictures are blurred and whether they are grey until
/// revealed. Kept in results (the dashboard has no database), so they follow the reviewer across sign-ins and replicas.
/// </summary>
public sealed class ReviewerSettings
{
    public const int DefaultBlurPixels = 24;

    public const int MaxBlurPixels = 64;

    public string Reviewer { get; set; } = "";

    /// <summary>Blur radius in CSS pixels of unrevealed pictures (0–<see cref="MaxBlurPixels"/>).</summary>
    public int BlurPixels { get; set; } = DefaultBlurPixels;

    /// <summary>Unrevealed pictures are shown without colour.</summary>
    public bool Greyscale { get; set; } = true;

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One version of a moderation policy. Versions are append-only; the highest version of a name is in force.</summary>
public sealed class PolicyVersion
{
    public string Name { get; set; } = "";

    public int Version { get; set; }

    /// <summary>Class name → score at or above which the medium is blocked.</summary>
    public Dictionary<string, float> BlockThresholds { get; set; } = [];

    /// <summary>Class name → score at or above which the medium goes to human review.</summary>
    public Dictionary<string, float> ReviewThresholds { get; set; } = [];

    /// <summary>Decide as soon as the block rule is met (for a video or animation: corroborated), and tell the extractor to stop.</summary>
    public bool EarlyExit { get; set; } = true;

    /// <summary>The model configuration that scores the policy's frames (<see cref="Contracts.V1.ModelConfigurations"/>).</summary>
    public string Models { get; set; } = Contracts.V1.ModelConfigurations.MobileNetV2;

    /// <summary>For the cascade: how far below a class's review threshold its uncertain band starts (docs/model.md).</summary>
    public float CascadeMargin { get; set; } = Policies.ModerationPolicy.DefaultCascadeMargin;
    /// <summary>
    /// Videos and animations: a class blocks only when at least this many sampled frames are over its block threshold
    /// (or one run of them spans <see cref="CorroborationSeconds"/>); fewer go to review. 1 blocks on a single frame.
    /// </summary>
    public int CorroborationFrames { get; set; } = PolicyDefaults.CorroborationFrames;

    /// <summary>
    /// Videos and animations: consecutive sampled frames over a block threshold whose timestamps span at least this many
    /// seconds block even when they are fewer than <see cref="CorroborationFrames"/>. 0 switches the time criterion off.
    /// </summary>
    public double CorroborationSeconds { get; set; } = PolicyDefaults.CorroborationSeconds;

    /// <summary>
    /// Videos and animations: each frame's scores are averaged with its neighbours' (this many samples, centred, odd)
    /// before thresholds apply. 1 (the default) is no smoothing.
    /// </summary>
    public int SmoothingWindow { get; set; } = PolicyDefaults.SmoothingWindow;

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    /// <summary>Why this version was made (the change), as against <see cref="Description"/> (what the policy is for).</summary>
    public string? Comment { get; set; }

    /// <summary>What the policy is for and how to apply it, in the words reviewers read on the desk.</summary>
    public string? Description { get; set; }

    /// <summary>The reasons a reviewer may give for a decision under this policy (admin-managed, versioned with it).</summary>
    public List<ReasonCode> ReasonCodes { get; set; } = [];

    /// <summary>A block decision must carry one of <see cref="ReasonCodes"/>; without one it is refused with the codes allowed.</summary>
    public bool RequireBlockReason { get; set; }
}

/// <summary>One reason a reviewer may give for a decision, e.g. <c>nudity-explicit</c>.</summary>
/// <param name="Code">Stable machine name: what API clients send and the audit log records.</param>
/// <param name="Label">What the desk shows.</param>
/// <param name="Description">When it applies, for reviewers in doubt.</param>
public sealed record ReasonCode(string Code, string Label, string? Description = null);

public static class OutboxKinds
{
    public const string Bus = "bus";
    public const string Callback = "callback";
}

/// <summary>
/// A message waiting to leave the service, written in the same transaction as the state change that caused it.
/// The dispatcher claims rows with a lease, so a crash mid-delivery only delays them until the lease expires.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>Stable across retries: the bus MessageId and the callback's X-Moderation-Delivery-Id.</summary>
    public Guid Id { get; set; }

    public Guid MediaId { get; set; }

    public string Kind { get; set; } = OutboxKinds.Bus;

    /// <summary>Bus: the contract type name. Callback: the event name (e.g. <c>verdict.reached</c>).</summary>
    public string MessageType { get; set; } = "";

    public string Payload { get; set; } = "";

    /// <summary>The callback URL (callbacks only).</summary>
    public string? Destination { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public string? LockedBy { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Set when delivery was given up (refused target, permanent error, or retries exhausted).</summary>
    public DateTimeOffset? FailedAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>The client of the medium (callbacks only): whose secret signs it, and who may list and redeliver it.</summary>
    public string? ClientId { get; set; }

    /// <summary>How often an operator or the client started a new series of attempts after delivery was given up.</summary>
    public int Redeliveries { get; set; }
}

/// <summary>A logistic-regression head trained on reviewer labels, published as a model version the classifier can load.</summary>
public sealed class ModelHead
{
    public string Version { get; set; } = "";

    public string BaseModelName { get; set; } = "";

    public string BaseModelVersion { get; set; } = "";

    /// <summary>The head file (docs/results.md, "Feedback head file").</summary>
    public string HeadJson { get; set; } = "";

    /// <summary>Before/after precision and recall on held-out feedback.</summary>
    public string ReportJson { get; set; } = "";

    public bool Published { get; set; }

    public string? FilePath { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// What remains of an erased medium: who erased which medium of which client, when and why. Its presence makes every
/// later message about the medium a no-op (no placeholder is created for it), and a second erasure answers with it.
/// </summary>
public sealed class Erasure
{
    public Guid MediaId { get; set; }

    public string? ClientId { get; set; }

    public string? Sha256 { get; set; }

    public string ErasedBy { get; set; } = "";

    public DateTimeOffset ErasedAt { get; set; }

    public string? Reason { get; set; }
}
