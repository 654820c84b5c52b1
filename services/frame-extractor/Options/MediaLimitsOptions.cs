using System.ComponentModel.DataAnnotations;

namespace Moderation.FrameExtractor.Options;

/// <summary>Section <c>MediaLimits</c>: what a medium may declare before it is refused, each with its own failure reason.</summary>
public sealed class MediaLimitsOptions
{
    public const string Section = "MediaLimits";

    /// <summary>Longest accepted duration (<c>too-long</c>).</summary>
    [Range(1, 7 * 24 * 3600)]
    public double MaxDurationSeconds { get; set; } = 3 * 3600;

    /// <summary>Most pixels in one frame, width × height (<c>too-many-pixels</c>); 64 M is 8192 × 8192.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = 8192L * 8192;

    /// <summary>Most frames in the source, counted or estimated from duration × frame rate (<c>too-many-frames</c>).</summary>
    [Range(1, int.MaxValue)]
    public int MaxSourceFrames { get; set; } = 500_000;

    /// <summary>Most streams of any type in the container (<c>too-many-streams</c>).</summary>
    [Range(1, 10_000)]
    public int MaxStreams { get; set; } = 32;
}
