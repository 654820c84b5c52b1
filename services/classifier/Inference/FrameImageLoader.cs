using Moderation.BlobStorage;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The encoded picture of a <see cref="FrameExtracted"/>: read from the shared blob store when the frame names it (a
/// still's original, a stored video frame), else the bytes it carries (inline frames, and frames of extractors from
/// before pictures were sent at their own resolution). Reading is the only state a worker touches, so pods stay
/// stateless; a missing blob fails the frame, never the batch.
/// </summary>
public sealed class FrameImageLoader(IBlobStore blobs)
{
    public async Task<FrameInput> LoadAsync(FrameExtracted frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (string.IsNullOrEmpty(frame.ImageBlobKey))
        {
            return (frame.Image ?? frame.Jpeg) is { Length: > 0 } inline
                ? new FrameInput(inline, Hash: frame.MatchKnownContent)
                : FrameInput.Failed(FailureReasons.FrameUndecodable, "The frame carries no picture.");
        }

        var loaded = await LoadAsync(frame.ImageBlobKey, cancellationToken);
        return loaded with { Hash = frame.MatchKnownContent && loaded.FailureReason is null };
    }

    /// <summary>The picture stored under <paramref name="key"/> in the shared blob store.</summary>
    public async Task<FrameInput> LoadAsync(string key, CancellationToken cancellationToken)
    {
        Stream? source;
        try
        {
            source = await blobs.OpenReadAsync(key, cancellationToken);
        }
        catch (ArgumentException)
        {
            return FrameInput.Failed(FailureReasons.BlobMissing, "The frame names an invalid blob key.");
        }

        if (source is null)
        {
            return FrameInput.Failed(FailureReasons.BlobMissing, "The frame's picture is no longer in the blob store.");
        }

        await using (source)
        {
            using var buffer = source.CanSeek ? new MemoryStream(checked((int)source.Length)) : new MemoryStream();
            await source.CopyToAsync(buffer, cancellationToken);
            return new FrameInput(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
    }
}
