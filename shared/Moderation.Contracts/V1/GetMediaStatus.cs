namespace Moderation.Contracts.V1;

/// <summary>Request (answered by results): the status, progress and verdict of one medium.</summary>
/// <param name="ReaderClientId">Set when a review or admin key reads a medium that is not its client's: results records the read in its audit log.</param>
/// <param name="ReaderKeyId">The visible prefix of that key.</param>
public sealed record GetMediaStatus(Guid MediaId, string? ReaderClientId = null, string? ReaderKeyId = null);

/// <summary>
/// Request (answered by results): the newest completed verdict for content with this SHA-256, for de-duplication;
/// a medium of <paramref name="ClientId"/> is preferred over other clients' media.
/// </summary>
public sealed record FindVerdictByContent(string Sha256, string? Policy, string? ClientId = null);

/// <summary>Response to <see cref="GetMediaStatus"/> and <see cref="FindVerdictByContent"/>.</summary>
/// <param name="State">One of <see cref="MediaStates"/>.</param>
public sealed record MediaStatus(
    Guid MediaId,
    bool Found,
    string State,
    string? ExternalId,
    string? Sha256,
    int PlannedFrames,
    int FramesScored,
    double Progress,
    MediaVerdict? Verdict,
    MediaFailure? Failure)
{
    /// <summary>The PDQ hash of each hashed frame (a still's one, a video's per sampled frame); empty when none was computed.</summary>
    public IReadOnlyList<FrameHash> Hashes { get; init; } = [];
}

public sealed record MediaVerdict(
    Decision Decision,
    IReadOnlyList<ClassMaximum> Maxima,
    string ModelName,
    string ModelVersion,
    string Policy,
    int PolicyVersion,
    bool DecidedEarly,
    bool ByReviewer,
    DateTimeOffset DecidedAt)
{
    /// <summary>The model configurations that scored the frames (e.g. <c>cascade-v1</c>); null from results before the cascade.</summary>
    public string? ModelConfiguration { get; init; }

    /// <summary>How many frames the cascade re-scored with its second model (their final scores follow its rule).</summary>
    public int EscalatedFrames { get; init; }
    /// <summary>The hash-bank matches that decided or shaped the verdict; empty when known content played no part.</summary>
    public IReadOnlyList<BankMatch> Matches { get; init; } = [];

    /// <summary>Set when the verdict is the decision of a near-duplicate still of the same client, reused without inference.</summary>
    public Guid? ReusedFromMediaId { get; init; }

    /// <summary>Time ranges over the policy's thresholds (<see cref="VerdictReached.Segments"/>).</summary>
    public IReadOnlyList<FlaggedSegment> Segments { get; init; } = [];
}

public sealed record MediaFailure(string Reason, string Detail, string Stage, DateTimeOffset FailedAt);

public static class MediaStates
{
    public const string Unknown = "unknown";
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
