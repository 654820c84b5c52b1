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
}

/// <summary>The highest score of one class and the frame that produced it.</summary>
public sealed record ClassMaximum(string Class, float Score, int FrameIndex, double TimestampSeconds);
