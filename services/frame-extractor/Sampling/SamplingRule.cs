using Moderation.FrameExtractor.Options;

namespace Moderation.FrameExtractor.Sampling;

/// <summary>How many frames a medium of some length gets, and when.</summary>
/// <param name="IntervalSeconds">Seconds between planned timestamps.</param>
/// <param name="FrameCount">Planned timestamps: <c>0, interval, 2·interval, …</c>, all before the end of the medium.</param>
public sealed record SamplingSchedule(double IntervalSeconds, int FrameCount)
{
    public IEnumerable<double> Timestamps => Enumerable.Range(0, FrameCount).Select(i => i * IntervalSeconds);
}

public static class SamplingRule
{
    /// <summary>
    /// The length-adaptive sampling rule, in one place:
    /// <code>interval = clamp(duration / TargetFrames, MinInterval, MaxInterval)</code>
    /// so the interval grows with length — a 10 s clip is sampled every second (10 frames), anything from 6 to 30 minutes
    /// gets <c>TargetFrames</c> (360) frames, and a 30-minute video is sampled every 5 s. Longer media keep the maximum
    /// interval until <c>MaxFrames</c> would be exceeded; beyond that the interval stretches to
    /// <c>duration / MaxFrames</c> so the whole medium is still covered rather than only its beginning.
    /// Timestamps start at 0 (the poster frame viewers see first) and never reach the end of the medium; a medium
    /// without a positive duration (a still) gets one frame.
    /// </summary>
    public static SamplingSchedule For(double durationSeconds, SamplingOptions options)
    {
        if (!(durationSeconds > 0) || double.IsInfinity(durationSeconds))
        {
            return new SamplingSchedule(0, 1);
        }

        var interval = Math.Clamp(durationSeconds / options.TargetFrames, options.MinIntervalSeconds, options.MaxIntervalSeconds);
        if (durationSeconds / interval > options.MaxFrames)
        {
            interval = durationSeconds / options.MaxFrames;
        }

        // The small slack keeps floating-point noise (e.g. 10.000000001 s) from adding a frame at the very end.
        var count = (int)Math.Ceiling(durationSeconds / interval - 1e-6);
        return new SamplingSchedule(interval, Math.Clamp(count, 1, options.MaxFrames));
    }
}
