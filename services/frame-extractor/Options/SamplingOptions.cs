using System.ComponentModel.DataAnnotations;

namespace Moderation.FrameExtractor.Options;

/// <summary>Section <c>Sampling</c>: how densely a medium is sampled (see <see cref="Sampling.SamplingRule"/>).</summary>
public sealed class SamplingOptions
{
    public const string Section = "Sampling";

    /// <summary>Never sample denser than this: short clips get one frame per <c>MinIntervalSeconds</c>.</summary>
    [Range(0.04, 60)]
    public double MinIntervalSeconds { get; set; } = 1;

    /// <summary>Never sample sparser than this while <see cref="MaxFrames"/> allows it.</summary>
    [Range(0.04, 600)]
    public double MaxIntervalSeconds { get; set; } = 5;

    /// <summary>The frame count the interval aims for between the two bounds (360: thirty minutes at five seconds).</summary>
    [Range(1, 100_000)]
    public int TargetFrames { get; set; } = 360;

    /// <summary>Hard cap on frames sampled from one medium; longer media are sampled more sparsely to stay under it.</summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 1000;

    /// <summary>
    /// Decoding allowed for hitting every planned timestamp exactly, in megapixels (frames decoded × frame size; 500 is
    /// about 40 s of 480p30 or 8 s of 1080p30). Media within it get the exact frame on screen at each planned timestamp;
    /// costlier media snap planned timestamps to keyframes (see <see cref="KeyframeTolerance"/>).
    /// </summary>
    [Range(0, 1_000_000)]
    public double ExactDecodeBudgetMegapixels { get; set; } = 500;

    /// <summary>
    /// When snapping, a planned timestamp is served by the nearest keyframe if one lies within this fraction of the
    /// interval (keyframes decode on their own, about ten times cheaper than decoding up to an exact frame); otherwise
    /// by the exact frame. 0 never snaps.
    /// </summary>
    [Range(0, 5)]
    public double KeyframeTolerance { get; set; } = 1;
}
