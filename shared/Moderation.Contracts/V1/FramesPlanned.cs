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
    DateTimeOffset PlannedAt) : IMediaMessage;
