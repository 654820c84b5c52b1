using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>The interval rule at its boundaries, with the default options (1 s … 5 s, 360 target frames, 1000 max).</summary>
public sealed class SamplingRuleTests
{
    private static readonly SamplingOptions Defaults = new();

    [Theory]
    [InlineData(10, 1, 10)]          // a 10 s GIF → about 10 frames
    [InlineData(1800, 5, 360)]       // 30 min → 360 frames
    [InlineData(360, 1, 360)]        // the last length still sampled every second
    [InlineData(720, 2, 360)]        // between the bounds the count holds at the target
    [InlineData(3600, 5, 720)]       // past 30 min the interval stays at its maximum
    [InlineData(5000, 5, 1000)]      // exactly at the frame cap
    [InlineData(0.5, 1, 1)]          // shorter than one interval: one frame
    [InlineData(10.5, 1, 11)]        // a partial interval at the end still gets its frame
    public void Interval_grows_with_length_between_its_bounds(double duration, double interval, int frames)
    {
        var schedule = SamplingRule.For(duration, Defaults);

        Assert.Equal(interval, schedule.IntervalSeconds, 6);
        Assert.Equal(frames, schedule.FrameCount);
    }

    [Fact]
    public void Interval_never_falls_below_the_minimum_nor_rises_above_the_maximum_below_the_cap()
    {
        for (var duration = 1.0; duration <= 5000; duration *= 1.07)
        {
            var schedule = SamplingRule.For(duration, Defaults);
            Assert.InRange(schedule.IntervalSeconds, Defaults.MinIntervalSeconds, Defaults.MaxIntervalSeconds);
        }
    }

    [Fact]
    public void Beyond_the_frame_cap_the_interval_stretches_to_cover_the_whole_medium()
    {
        var schedule = SamplingRule.For(3 * 3600, Defaults);

        Assert.Equal(1000, schedule.FrameCount);
        Assert.Equal(10.8, schedule.IntervalSeconds, 6);
        Assert.True(schedule.Timestamps.Last() > 3 * 3600 - 11);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Media_without_a_duration_get_one_frame(double duration)
    {
        var schedule = SamplingRule.For(duration, Defaults);

        Assert.Equal(1, schedule.FrameCount);
        Assert.Equal([0.0], schedule.Timestamps);
    }

    [Fact]
    public void Options_move_the_bounds()
    {
        var options = new SamplingOptions { MinIntervalSeconds = 2, MaxIntervalSeconds = 10, TargetFrames = 100, MaxFrames = 150 };

        Assert.Equal((2.0, 5), (SamplingRule.For(10, options).IntervalSeconds, SamplingRule.For(10, options).FrameCount));
        Assert.Equal((5.0, 100), (SamplingRule.For(500, options).IntervalSeconds, SamplingRule.For(500, options).FrameCount));
        Assert.Equal((10.0, 150), (SamplingRule.For(1500, options).IntervalSeconds, SamplingRule.For(1500, options).FrameCount));
        Assert.Equal(150, SamplingRule.For(2000, options).FrameCount);
    }

    [Fact]
    public void Timestamps_start_at_zero_and_stay_before_the_end()
    {
        var schedule = SamplingRule.For(1800, Defaults);

        Assert.Equal(0, schedule.Timestamps.First());
        Assert.Equal(1795, schedule.Timestamps.Last(), 6);
    }
}
