using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Media;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>Planning on synthetic frame tables: which frames, which decode mode, which segments.</summary>
public sealed class ExtractionPlannerTests
{
    [Fact]
    public void Long_video_with_keyframes_near_every_planned_time_decodes_keyframes_only()
    {
        // 30 min at 30 fps with a keyframe every 250 frames (x264's default), like the benchmark video.
        var medium = Video(minutes: 30, fps: 30, gop: 250, width: 854, height: 480);
        var plan = Planner().Plan(medium);

        Assert.False(plan.ExactTimestamps);
        Assert.Equal(5, plan.Schedule.IntervalSeconds, 6);
        Assert.All(plan.Frames, f => Assert.True(f.Keyframe));
        Assert.All(plan.Segments, s => Assert.True(s.KeyframesOnly));
        Assert.Equal(216, plan.Frames.Count);
        Assert.InRange(plan.Segments.Count, 2, 8);
    }

    [Fact]
    public void Short_video_within_the_budget_gets_the_exact_frame_at_each_planned_time()
    {
        var medium = Video(minutes: 1.0 / 6, fps: 10, gop: 20, width: 320, height: 240);
        var plan = Planner().Plan(medium);

        Assert.True(plan.ExactTimestamps);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), plan.Frames.Select(f => Math.Round(f.TimestampSeconds, 6)));
        Assert.Contains(plan.Segments, s => !s.KeyframesOnly);
    }

    [Fact]
    public void Planned_times_far_from_any_keyframe_are_decoded_exactly_even_when_snapping()
    {
        // One keyframe per minute: with 5 s sampling most planned times are far from a keyframe.
        var medium = Video(minutes: 30, fps: 30, gop: 1800, width: 854, height: 480);
        var plan = Planner().Plan(medium);

        // Per minute: 0 s and 5 s share the keyframe at 0, 55 s and 60 s the one at 60; the eight in between are exact.
        Assert.False(plan.ExactTimestamps);
        Assert.Equal(301, plan.Frames.Count);
        Assert.Equal(30, plan.Frames.Count(f => f.Keyframe));
        Assert.Contains(plan.Segments, s => !s.KeyframesOnly);
    }

    [Fact]
    public void Segments_start_on_keyframes_cover_every_frame_once_and_indices_follow_time()
    {
        var medium = Video(minutes: 30, fps: 30, gop: 1800, width: 854, height: 480);
        var plan = Planner().Plan(medium);

        Assert.Equal(Enumerable.Range(0, plan.Frames.Count), plan.Frames.Select(f => f.Index));
        Assert.Equal(plan.Frames.OrderBy(f => f.Pts), plan.Frames);
        Assert.Equal(plan.Frames.Select(f => f.Index).Order(), plan.Segments.SelectMany(s => s.Frames).Select(f => f.Index).Order());
        Assert.All(plan.Segments, s => Assert.Contains(s.SeekTo, medium.Frames.Keyframes));
        Assert.All(plan.Segments, s => Assert.All(s.Frames, f => Assert.True(f.Pts >= s.SeekTo)));
    }

    [Fact]
    public void Same_medium_always_gets_the_same_plan()
    {
        var first = Planner().Plan(Video(minutes: 12, fps: 25, gop: 300, width: 640, height: 360));
        var second = Planner().Plan(Video(minutes: 12, fps: 25, gop: 300, width: 640, height: 360));

        Assert.Equal(first.Frames, second.Frames);
    }

    [Fact]
    public void Zero_tolerance_never_snaps()
    {
        var plan = Planner(s => s.KeyframeTolerance = 0).Plan(Video(minutes: 30, fps: 30, gop: 250, width: 854, height: 480));

        Assert.Equal(360, plan.Frames.Count);
        Assert.Equal(Enumerable.Range(0, 360).Select(i => i * 5.0), plan.Frames.Select(f => Math.Round(f.TimestampSeconds, 6)));
    }

    [Fact]
    public void Animations_and_unindexed_containers_are_read_in_one_pass_without_seeking()
    {
        var gif = Video(minutes: 0.1, fps: 10, gop: 1, width: 100, height: 100) with { Kind = MediaKind.Animation };
        var ts = Video(minutes: 30, fps: 30, gop: 250, width: 854, height: 480, format: "mpegts");

        Assert.All([Planner().Plan(gif), Planner().Plan(ts)], plan => Assert.False(Assert.Single(plan.Segments).Seeks));
    }

    private static ExtractionPlanner Planner(Action<SamplingOptions>? configure = null)
    {
        var sampling = new SamplingOptions();
        configure?.Invoke(sampling);
        return new ExtractionPlanner(Microsoft.Extensions.Options.Options.Create(sampling), Microsoft.Extensions.Options.Options.Create(new ExtractionOptions { SegmentParallelism = 2 }));
    }

    private static ProbedMedium Video(double minutes, int fps, int gop, int width, int height, string format = "mov,mp4,m4a,3gp,3g2,mj2")
    {
        var count = (int)Math.Round(minutes * 60 * fps);
        var times = Enumerable.Range(0, count).Select(i => Math.Round((double)i / fps, 6)).ToArray();
        var keys = Enumerable.Range(0, count).Select(i => i % gop == 0).ToArray();
        var visual = new VisualStream(0, "h264", width, height, 0, count / (double)fps, fps, false);
        return new ProbedMedium(MediaKind.Video, new MediaProbe(format, count / (double)fps, 1, visual), visual, new FrameTable(times, keys));
    }
}
