namespace Moderation.Contracts.V1;

/// <summary>The extractor probed the medium and planned its sampling; <paramref name="PlannedFrames"/> drives progress.</summary>
public sealed record FramesPlanned(
    Guid MediaId,
    Guid CorrelationId,
    MediaKind Kind,
    int PlannedFrames,
    double DurationSeconds,
    double IntervalSeconds,
    int Width,
    int Height,
    string? Codec,
    SubmissionPriority Priority,
    DateTimeOffset PlannedAt) : IMediaMessage
{
    /// <summary>
    /// The plan is also the outcome: exactly <see cref="PlannedFrames"/> frames were published and no
    /// <see cref="FrameExtractionCompleted"/> follows (a still, whose one frame is its original). Absent (false) in
    /// messages of extractors before this version, which always send the completion.
    /// </summary>
    public bool ExtractionComplete { get; init; }
}
