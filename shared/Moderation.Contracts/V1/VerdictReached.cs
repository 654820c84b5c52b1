namespace Moderation.Contracts.V1;

/// <summary>The medium has a verdict: the maximum score per class over its frames, and the policy's decision.</summary>
public sealed record VerdictReached(
    Guid MediaId,
    Guid CorrelationId,
    string? ExternalId,
    Decision Decision,
    IReadOnlyList<ClassMaximum> Maxima,
    int FramesScored,
    string ModelName,
    string ModelVersion,
    string Policy,
    int PolicyVersion,
    bool DecidedEarly,
    bool ByReviewer,
    DateTimeOffset DecidedAt) : IMediaMessage
{
    /// <summary>The model configurations that scored the frames (e.g. <c>cascade-v1</c>); null from results before the cascade.</summary>
    public string? ModelConfiguration { get; init; }

    /// <summary>How many frames the cascade re-scored with its second model (their final scores follow its rule).</summary>
    public int EscalatedFrames { get; init; }
    /// <summary>The hash-bank matches that decided or shaped the verdict; empty (or absent, from earlier versions) when none.</summary>
    public IReadOnlyList<BankMatch> Matches { get; init; } = [];

    /// <summary>Set when the decision was reused from a near-duplicate still of the same client, without inference.</summary>
    public Guid? ReusedFromMediaId { get; init; }

    /// <summary>
    /// Time ranges over the policy's thresholds, for a video or animation (empty for a still, and in messages of results
    /// before this version).
    /// </summary>
    public IReadOnlyList<FlaggedSegment> Segments { get; init; } = [];
}

/// <summary>The highest score of one class and the frame that produced it.</summary>
public sealed record ClassMaximum(string Class, float Score, int FrameIndex, double TimestampSeconds);
