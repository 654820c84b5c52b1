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

/// <summary>
/// Body of a <c>verdict.reached</c> callback (sent again with <see cref="ByReviewer"/> when a reviewer overrides) and of
/// a <c>verdict.redecided</c> one: the facts of the <see cref="VerdictReached"/> it accompanies (<see cref="Of"/>).
/// </summary>
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
    IReadOnlyList<FlaggedSegment> Segments)
{
    /// <summary>The model configurations that scored the frames (<c>mobilenet_v2</c>, <c>cascade-v1</c>); null before the cascade and for a re-decision (one registered version).</summary>
    public string? ModelConfiguration { get; init; }

    /// <summary>How many frames the cascade re-scored with its second model.</summary>
    public int EscalatedFrames { get; init; }

    /// <summary>The hash-bank matches that decided or shaped the decision; empty when none.</summary>
    public IReadOnlyList<BankMatch> Matches { get; init; } = [];

    /// <summary>Set when the decision was reused from a near-duplicate still of the same client, without inference.</summary>
    public Guid? ReusedFromMediaId { get; init; }

    /// <summary>A re-decision's verdict revision (2, 3, …); null for <c>verdict.reached</c>.</summary>
    public int? Revision { get; init; }

    /// <summary>A re-decision's decision before it; null for <c>verdict.reached</c>.</summary>
    public Decision? PreviousDecision { get; init; }

    /// <summary>The callback of <paramref name="verdict"/>: every fact the bus message carries, the same everywhere.</summary>
    public static VerdictCallback Of(Guid eventId, string eventName, DateTimeOffset occurredAt, string? sha256, VerdictReached verdict) =>
        new(eventId, eventName, occurredAt, verdict.MediaId, verdict.ExternalId, sha256, verdict.Decision, verdict.ByReviewer, verdict.DecidedEarly,
            verdict.Maxima, verdict.FramesScored, verdict.ModelName, verdict.ModelVersion, verdict.Policy, verdict.PolicyVersion, verdict.DecidedAt,
            verdict.Segments)
        {
            ModelConfiguration = verdict.ModelConfiguration,
            EscalatedFrames = verdict.EscalatedFrames,
            Matches = verdict.Matches,
            ReusedFromMediaId = verdict.ReusedFromMediaId,
        };
}

/// <summary>Body of a <c>media.failed</c> callback.</summary>
public sealed record FailureCallback(
    Guid EventId,
    string Event,
    DateTimeOffset OccurredAt,
    Guid MediaId,
    string? ExternalId,
    string? Sha256,
    MediaFailure Failure);
