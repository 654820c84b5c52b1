namespace Moderation.Contracts.V1;

/// <summary>
/// One sampled frame, already scaled by ffmpeg to the model's input size and JPEG-encoded (10–20 KB at 224×224),
/// so it travels inline and classifier pods stay stateless. Identity is (<see cref="MediaId"/>, <see cref="FrameIndex"/>).
/// </summary>
public sealed record FrameExtracted(
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    byte[] Jpeg,
    int Width,
    int Height,
    SubmissionPriority Priority) : IMediaMessage;
