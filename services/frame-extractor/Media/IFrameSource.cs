using Moderation.FrameExtractor.Sampling;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Decodes the planned frames of one segment, already scaled to the model's input and JPEG-encoded, yielding each as soon
/// as it is ready. ffmpeg (sandboxed) serves everything it can decode; a medium it cannot names another source by
/// <see cref="Name"/> in its <see cref="ProbedMedium"/>. Adding a source is adding a class.
/// </summary>
public interface IFrameSource
{
    string Name { get; }

    IAsyncEnumerable<DecodedFrame> DecodeAsync(string path, ProbedMedium medium, DecodeSegment segment, string workingDirectory, CancellationToken cancellationToken);
}
