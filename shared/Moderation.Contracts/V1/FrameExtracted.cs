namespace Moderation.Contracts.V1;

/// <summary>
/// One sampled frame, as decoded from the medium at its own resolution, so the classifier builds exactly the tensor the
/// reference model builds (nsfwjs resizes the decoded picture itself). The picture travels one of two ways, both keeping
/// classifier pods stateless: <see cref="ImageBlobKey"/> names it in the shared blob store (the original of a still, or
/// a stored frame), or <see cref="Image"/> carries it inline (a lossless PNG when frames are not stored). Identity is
/// (<see cref="MediaId"/>, <see cref="FrameIndex"/>).
/// </summary>
/// <param name="Image">The encoded picture inline (any format the classifier decodes); null when <paramref name="ImageBlobKey"/> is set.</param>
/// <param name="ImageBlobKey">Blob key of the encoded picture; null when it travels inline.</param>
/// <param name="Width">Width of the picture in pixels (before EXIF orientation).</param>
/// <param name="Height">Height of the picture in pixels (before EXIF orientation).</param>
public sealed record FrameExtracted(
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    byte[]? Image,
    string? ImageBlobKey,
    int Width,
    int Height,
    SubmissionPriority Priority) : IMediaMessage
{
    /// <summary>
    /// The frame as extractors before this version sent it (a JPEG already scaled to the model's input). Read only from
    /// messages of extractors that are still rolling out; new extractors never set it.
    /// </summary>
    public byte[]? Jpeg { get; init; }

    /// <summary>
    /// The policy the submission named (null: the default policy): the classifier scores the frame with that policy's
    /// model configuration and band. Absent from extractors before the cascade; such frames follow the default policy.
    /// </summary>
    public string? Policy { get; init; }

    /// <summary>
    /// Set on a still's one frame: the classifier PDQ-hashes the picture from the decode it makes anyway and asks results
    /// (<see cref="MatchFrameHash"/>, for the whole batch at once) whether known content decides the medium before the
    /// model runs. A video's frames come without it: the extractor, which decodes them, hashes and matches them.
    /// </summary>
    public bool MatchKnownContent { get; init; }

    /// <summary>The submitting client, for <see cref="MatchKnownContent"/> (results may not have registered the medium yet).</summary>
    public string? ClientId { get; init; }
}
