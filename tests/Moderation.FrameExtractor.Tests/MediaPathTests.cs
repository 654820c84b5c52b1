using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.Testing;
using SkiaSharp;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>Stills, animations and videos through the one extraction path, with real ffmpeg.</summary>
public sealed class MediaPathTests : IDisposable
{
    private readonly ExtractorHarness _harness = ExtractorHarness.Create();

    [Fact]
    public async Task Ten_second_clip_yields_ten_exact_frames_one_second_apart()
    {
        var run = await _harness.ExtractAsync(await ExtractorMedia.TenSecondClipAsync());

        Assert.Equal(ExtractionOutcome.Completed, run.Outcome);
        Assert.Equal(MediaKind.Video, run.Planned!.Kind);
        Assert.Equal(10, run.Planned.PlannedFrames);
        Assert.Equal(1, run.Planned.IntervalSeconds, 3);
        Assert.Equal(Enumerable.Range(0, 10), run.Frames.Select(f => f.FrameIndex));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), run.Frames.Select(f => Math.Round(f.TimestampSeconds, 3)));
        Assert.All(run.Frames, f => Assert.Equal((320, 240, SKEncodedImageFormat.Png), FramePicture.Describe(f, _harness.Blobs)));
        Assert.Equal(10, run.Completed!.FrameCount);
        Assert.False(run.Completed.Cancelled);
    }

    [Fact]
    public async Task Animated_gif_is_sampled_by_the_same_rule_on_its_duration()
    {
        var run = await _harness.ExtractAsync(await TestMedia.GifAsync(seconds: 3, fps: 5));

        Assert.Equal(MediaKind.Animation, run.Planned!.Kind);
        Assert.Equal(3, run.Planned.PlannedFrames);
        Assert.Equal([0.0, 1.0, 2.0], run.Frames.Select(f => Math.Round(f.TimestampSeconds, 2)));
        Assert.All(run.Frames, f => Assert.Equal((run.Planned.Width, run.Planned.Height, SKEncodedImageFormat.Png), FramePicture.Describe(f, _harness.Blobs)));
        Assert.Equal(3, run.Completed!.FrameCount);
    }

    [Fact]
    public async Task Animated_png_is_an_animation()
    {
        var run = await _harness.ExtractAsync(await ExtractorMedia.ApngAsync());

        Assert.Equal(MediaKind.Animation, run.Planned!.Kind);
        Assert.Equal(3, run.Completed!.FrameCount);
    }

    [Fact]
    public async Task Animated_webp_is_decoded_although_ffmpeg_cannot()
    {
        var run = await _harness.ExtractAsync(await ExtractorMedia.AnimatedWebpAsync());

        Assert.Equal(ExtractionOutcome.Completed, run.Outcome);
        Assert.Equal(MediaKind.Animation, run.Planned!.Kind);
        Assert.Equal((160, 120), (run.Planned.Width, run.Planned.Height));
        Assert.Equal([0.0, 1.0, 2.0], run.Frames.Select(f => Math.Round(f.TimestampSeconds, 2)));
        Assert.All(run.Frames, f => Assert.Equal((160, 120, SKEncodedImageFormat.Png), FramePicture.Describe(f, _harness.Blobs)));
        Assert.Equal(3, run.Frames.Select(f => Convert.ToHexString(FramePicture.Bytes(f, _harness.Blobs))).Distinct().Count());
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("bmp")]
    [InlineData("gif")]
    public async Task Still_is_sent_as_its_original_without_starting_a_process(string format)
    {
        // ffmpeg and ffprobe that cannot start: a still must not need them.
        using var harness = ExtractorHarness.Create(ffmpeg: o => (o.FfmpegPath, o.FfprobePath) = ("/nonexistent/ffmpeg", "/nonexistent/ffprobe"));
        var submitted = await harness.SubmitAsync(await TestMedia.StillAsync(format, 640, 480));

        var run = await harness.ExtractAsync(submitted);

        Assert.Equal(ExtractionOutcome.Completed, run.Outcome);
        Assert.Equal(MediaKind.Still, run.Planned!.Kind);
        Assert.Equal((1, 640, 480), (run.Planned.PlannedFrames, run.Planned.Width, run.Planned.Height));
        var frame = Assert.Single(run.Frames);
        Assert.Equal((0, submitted.BlobKey), (frame.FrameIndex, frame.ImageBlobKey));
        Assert.Null(frame.Image);
        Assert.Equal((640, 480), (frame.Width, frame.Height));
        Assert.True(run.Planned.ExtractionComplete);
        Assert.Null(run.Completed);
        Assert.False(Directory.Exists(Path.Combine(harness.Root, "blobs", "frames")), "a still's frame was stored beside its original");
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("bmp")]
    public async Task Truncated_still_fails_as_truncated_without_starting_a_process(string format)
    {
        using var harness = ExtractorHarness.Create(ffmpeg: o => (o.FfmpegPath, o.FfprobePath) = ("/nonexistent/ffmpeg", "/nonexistent/ffprobe"));

        var run = await harness.ExtractAsync(await TestMedia.TruncatedAsync(await TestMedia.StillAsync(format, 640, 480), 0.6));

        Assert.Equal(FailureReasons.Truncated, run.Failed!.Reason);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Still_over_the_pixel_cap_fails_before_decoding()
    {
        using var harness = ExtractorHarness.Create(limits: o => o.MaxPixels = 640 * 480 - 1, ffmpeg: o => o.FfprobePath = "/nonexistent/ffprobe");

        var run = await harness.ExtractAsync(await TestMedia.StillAsync("png", 640, 480));

        Assert.Equal(FailureReasons.TooManyPixels, run.Failed!.Reason);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Audio_only_file_fails_with_no_visual_stream()
    {
        var run = await _harness.ExtractAsync(await ExtractorMedia.AudioOnlyAsync());

        Assert.Equal(FailureReasons.NoVisualStream, run.Failed!.Reason);
        Assert.Null(run.Planned);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task File_without_any_picture_stream_fails_with_no_visual_stream()
    {
        Directory.CreateDirectory(TestMedia.CacheDirectory);
        var subtitles = Path.Combine(TestMedia.CacheDirectory, "captions.srt");
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:02,000\nHello\n");
        var subtitlesOnly = await TestMedia.GenerateAsync("mkv", "-i", subtitles, "-c:s", "srt");

        var run = await _harness.ExtractAsync(subtitlesOnly);

        Assert.Equal(FailureReasons.NoVisualStream, run.Failed!.Reason);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Truncated_mp4_ends_in_MediaFailed_with_reason()
    {
        var run = await _harness.ExtractAsync(await TestMedia.TruncatedAsync(await ExtractorMedia.TenSecondClipAsync(), 0.3));

        Assert.Equal(FailureReasons.Truncated, run.Failed!.Reason);
        Assert.Contains("moov", run.Failed.Detail, StringComparison.Ordinal);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Truncated_fast_start_mp4_fails_before_any_frame()
    {
        var run = await _harness.ExtractAsync(await TestMedia.TruncatedAsync(await ExtractorMedia.FastStartClipAsync(), 0.3));

        Assert.Equal(FailureReasons.Truncated, run.Failed!.Reason);
        Assert.Null(run.Planned);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Long_video_frame_table_listed_in_parallel_ranges_has_every_frame_once()
    {
        var medium = await _harness.ProbeAsync(await ExtractorMedia.ThirtyMinuteScaledAsync());

        Assert.Equal(3600, medium.Frames.Count);
        Assert.Equal(Enumerable.Range(0, 3600).Select(i => i * 0.5), medium.Frames.Timestamps.Select(t => Math.Round(t, 3)));
        Assert.Equal(Enumerable.Range(0, 180).Select(i => i * 10.0), medium.Frames.Keyframes.Select(t => Math.Round(t, 3)));
    }

    public void Dispose() => _harness.Dispose();
}
