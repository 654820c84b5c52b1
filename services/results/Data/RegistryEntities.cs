using Moderation.Contracts.V1;

namespace Moderation.Results.Data;

/// <summary>
/// One registered version of a model: the base model's manifest, where its bytes live in the shared blob store and
/// their SHA-256, and optionally the feedback head (<see cref="ModelHead"/>) applied on top. Append-only: a version once
/// registered never changes, so the scores that name it stay explainable.
/// </summary>
public sealed class RegisteredModelVersion
{
    public string Name { get; set; } = "";

    public string Version { get; set; } = "";

    /// <summary>The base model's <c>model.json</c>.</summary>
    public string ManifestJson { get; set; } = "";

    public string BlobKey { get; set; } = "";

    public string Sha256 { get; set; } = "";

    /// <summary>The feedback head of this version, a <see cref="ModelHead.Version"/>; null for the base model alone.</summary>
    public string? HeadVersion { get; set; }

    public string? Comment { get; set; }

    public string RegisteredBy { get; set; } = "";

    public DateTimeOffset RegisteredAt { get; set; }
}

/// <summary>Which registered versions of a model are deployed: the active one, a shadow beside it, and the one before.</summary>
public sealed class ModelDeployment
{
    public string Name { get; set; } = "";

    /// <summary>Its scores decide; null until a version is activated (workers then score with their configured file).</summary>
    public string? ActiveVersion { get; set; }

    /// <summary>Scored beside the active version on <see cref="ShadowShare"/> of live media; its scores never act.</summary>
    public string? ShadowVersion { get; set; }

    public double ShadowShare { get; set; }

    /// <summary>The version a rollback returns to.</summary>
    public string? PreviousVersion { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string UpdatedBy { get; set; } = "";
}

public static class ModelScorePurposes
{
    public const string Shadow = "shadow";
    public const string Backfill = "backfill";
}

/// <summary>
/// A frame's scores by a registered version that is not (or not yet) the one deciding: shadow scoring and backfills.
/// Primary key (media, frame, model, version): a redelivered frame changes nothing. Scores are null when the frame
/// could not be scored (<see cref="FailureReason"/>).
/// </summary>
public sealed class ModelFrameScore
{
    public Guid MediaId { get; set; }

    public int FrameIndex { get; set; }

    public string ModelName { get; set; } = "";

    public string ModelVersion { get; set; } = "";

    public string Purpose { get; set; } = ModelScorePurposes.Shadow;

    public double TimestampSeconds { get; set; }

    public Dictionary<string, float>? Scores { get; set; }

    public string? FailureReason { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

public static class BackfillStates
{
    public const string Running = "running";
    public const string Cancelled = "cancelled";
    public const string Completed = "completed";
}

public static class BackfillItemStates
{
    public const string Pending = "pending";
    public const string Dispatched = "dispatched";
    public const string Done = "done";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

public static class BackfillSkipReasons
{
    public const string Erased = "erased";
    public const string Retention = "retention";
    public const string NoFrames = "no-frames";
}

/// <summary>Which media a backfill re-scores; every set criterion must hold, none set means every judged medium.</summary>
public sealed record BackfillSelection(string? ClientId = null, DateTimeOffset? SubmittedFrom = null, DateTimeOffset? SubmittedTo = null,
    Decision? Decision = null, string? ModelVersion = null);

/// <summary>
/// Re-scoring of a selection of judged media with one registered version. Its items hold the state of every medium, so
/// a restart of any service resumes it where it stood.
/// </summary>
public sealed class Backfill
{
    public Guid Id { get; set; }

    public string ModelName { get; set; } = "";

    public string ModelVersion { get; set; } = "";

    public BackfillSelection Selection { get; set; } = new();

    /// <summary>Changed decisions replace the ones in force (callbacks <c>verdict.redecided</c>); otherwise they are only reported.</summary>
    public bool ApplyChanges { get; set; }

    public string State { get; set; } = BackfillStates.Running;

    /// <summary>Media the selection matched that had been erased before the backfill started (they have no row to re-score).</summary>
    public int ErasedBeforeStart { get; set; }

    public string CreatedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>One medium of a backfill: pending → dispatched → done (or skipped, failed), exactly once.</summary>
public sealed class BackfillItem
{
    public Guid BackfillId { get; set; }

    public Guid MediaId { get; set; }

    public string State { get; set; } = BackfillItemStates.Pending;

    public string? Reason { get; set; }

    /// <summary>The frames re-scored: those the deciding verdict scored.</summary>
    public List<int> Frames { get; set; } = [];

    public Decision? PreviousDecision { get; set; }

    public Decision? NewDecision { get; set; }

    public bool Changed { get; set; }

    public bool Applied { get; set; }

    /// <summary>The <see cref="VerdictRevision.Revision"/> this item wrote.</summary>
    public int? Revision { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>
/// A later version of a medium's automatic verdict (the first is <see cref="Verdict"/>, revision 1): written once per
/// re-scoring, never updated; judged like the first (<see cref="Lifecycle.MediumLifecycle.Redecide"/>).
/// </summary>
public sealed class VerdictRevision : AutomaticDecision
{
    public int Revision { get; set; }

    public Guid? BackfillId { get; set; }

    public Decision PreviousDecision { get; set; }

    /// <summary>Whether it became the decision in force (a reviewer's decision is never replaced).</summary>
    public bool Applied { get; set; }
}
