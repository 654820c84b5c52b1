namespace Moderation.Contracts.V1;

/// <summary>
/// The extractor has published every frame it will publish for the medium; <paramref name="FrameCount"/> is the exact number
/// (it may be below the plan when decoding ended early or the medium was decided). Results completes the verdict when
/// that many frames are scored.
/// </summary>
public sealed record FrameExtractionCompleted(
    Guid MediaId,
    Guid CorrelationId,
    int FrameCount,
    bool Cancelled,
    TimeSpan Elapsed) : IMediaMessage;
