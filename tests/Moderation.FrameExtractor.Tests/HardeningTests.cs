using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.Testing;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>Limits and the sandbox, one test each, against real ffprobe/ffmpeg.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task Duration_over_the_cap_fails_too_long_before_decoding()
    {
        using var harness = ExtractorHarness.Create(limits: l => l.MaxDurationSeconds = 60);
        var run = await harness.ExtractAsync(await ExtractorMedia.TwoMinuteClipAsync());

        Assert.Equal(FailureReasons.TooLong, run.Failed!.Reason);
        Assert.Contains("at most 60", run.Failed.Detail, StringComparison.Ordinal);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Pixel_count_over_the_cap_fails_too_many_pixels()
    {
        using var harness = ExtractorHarness.Create(limits: l => l.MaxPixels = 320 * 240 - 1);
        var run = await harness.ExtractAsync(await ExtractorMedia.TenSecondClipAsync());

        Assert.Equal(FailureReasons.TooManyPixels, run.Failed!.Reason);
        Assert.Contains("320×240", run.Failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_frame_count_over_the_cap_fails_too_many_frames()
    {
        using var harness = ExtractorHarness.Create(limits: l => l.MaxSourceFrames = 50);
        var run = await harness.ExtractAsync(await ExtractorMedia.TenSecondClipAsync());

        Assert.Equal(FailureReasons.TooManyFrames, run.Failed!.Reason);
    }

    [Fact]
    public async Task Stream_count_over_the_cap_fails_too_many_streams()
    {
        using var harness = ExtractorHarness.Create(limits: l => l.MaxStreams = 1);
        var run = await harness.ExtractAsync(await ExtractorMedia.VideoWithAudioAsync());

        Assert.Equal(FailureReasons.TooManyStreams, run.Failed!.Reason);
    }

    [Fact]
    public async Task Memory_limit_stops_a_decompression_bomb_while_ordinary_media_pass()
    {
        using var harness = ExtractorHarness.Create(limits: l => l.MaxPixels = 200_000_000, ffmpeg: f => f.MemoryLimitMegabytes = 400);

        var bomb = await harness.ExtractAsync(await ExtractorMedia.PixelBombAsync());
        var ordinary = await harness.ExtractAsync(await TestMedia.JpegAsync(640, 480));

        Assert.Equal(FailureReasons.ResourceLimit, bomb.Failed!.Reason);
        Assert.Empty(bomb.Frames);
        Assert.Equal(ExtractionOutcome.Completed, ordinary.Outcome);
        Assert.Single(ordinary.Frames);
    }

    [Fact]
    public async Task Cpu_time_limit_stops_a_runaway_decode()
    {
        using var harness = ExtractorHarness.Create(
            sampling: s => s.ExactDecodeBudgetMegapixels = 1_000_000,
            ffmpeg: f => f.CpuSecondsPerProcess = 1,
            extraction: e => e.SegmentParallelism = 1);
        var run = await harness.ExtractAsync(await ExtractorMedia.SlowVideoAsync());

        Assert.Equal(FailureReasons.ResourceLimit, run.Failed!.Reason);
        Assert.Contains("CPU", run.Failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wall_clock_limit_ends_in_extraction_timeout()
    {
        using var harness = ExtractorHarness.Create(
            sampling: s => s.ExactDecodeBudgetMegapixels = 1_000_000,
            extraction: e => e.Timeout = TimeSpan.FromSeconds(1.5));
        var run = await harness.ExtractAsync(await ExtractorMedia.SlowVideoAsync());

        Assert.Equal(FailureReasons.ExtractionTimeout, run.Failed!.Reason);
        Assert.Null(run.Completed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(harness.ScratchRoot));
    }

    [Fact]
    public async Task Concat_list_naming_a_local_file_is_refused()
    {
        using var harness = ExtractorHarness.Create();
        var list = Path.Combine(harness.Root, "list");
        await File.WriteAllTextAsync(list, $"ffconcat version 1.0\nfile '{await ExtractorMedia.TenSecondClipAsync()}'\n");

        var run = await harness.ExtractAsync(list);

        Assert.Equal(FailureReasons.ForbiddenReference, run.Failed!.Reason);
        Assert.Empty(run.Frames);
    }

    [Fact]
    public async Task Random_bytes_fail_as_unreadable()
    {
        using var harness = ExtractorHarness.Create();
        var noise = Path.Combine(harness.Root, "noise");
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(noise, bytes);

        var run = await harness.ExtractAsync(noise);

        Assert.Contains(run.Failed!.Reason, new[] { FailureReasons.Unreadable, FailureReasons.UnsupportedFormat });
    }

    [Fact]
    public async Task Every_ffmpeg_run_is_confined_to_local_files_whitelisted_demuxers_and_its_thread_budget()
    {
        using var harness = ExtractorHarness.Create(ffmpeg: f => f.ThreadsPerProcess = 3);
        var medium = await harness.ProbeAsync(await ExtractorMedia.TenSecondClipAsync());
        var segment = harness.Planner.Plan(medium).Segments[0];

        var arguments = harness.Decoder.Arguments("/media", medium.Visual, segment, "/filter").ToList();
        var input = arguments.IndexOf("-i");

        Assert.Equal("file", After(arguments[..input], "-protocol_whitelist"));
        Assert.DoesNotContain("hls", After(arguments[..input], "-format_whitelist").Split(','));
        Assert.Contains("mov", After(arguments[..input], "-format_whitelist").Split(','));
        Assert.Equal("3", After(arguments[..input], "-threads"));
        Assert.Equal("1", After(arguments[input..], "-threads"));
        Assert.Equal("1", After(arguments, "-filter_threads"));
    }

    [Fact]
    public async Task Work_directories_and_copies_are_removed_after_success_and_failure()
    {
        // An object store has no local paths, so the extractor copies the medium into its work directory.
        using var store = await (await S3Server.GetAsync()).CreateStoreAsync("extractor");
        using var harness = ExtractorHarness.Create(blobs: store);

        var ok = await harness.ExtractAsync(await ExtractorMedia.TenSecondClipAsync());
        var failed = await harness.ExtractAsync(await TestMedia.TruncatedAsync(await ExtractorMedia.TenSecondClipAsync(), 0.3));

        Assert.Equal(10, ok.Completed!.FrameCount);
        Assert.Equal(FailureReasons.Truncated, failed.Failed!.Reason);
        Assert.Empty(Directory.EnumerateFileSystemEntries(harness.ScratchRoot));
    }

    [Fact]
    public async Task Missing_blob_fails_blob_missing()
    {
        using var harness = ExtractorHarness.Create();
        var submitted = await harness.SubmitAsync(await TestMedia.PngAsync());
        await harness.Blobs.DeleteAsync(submitted.BlobKey!, CancellationToken.None);

        var run = await harness.ExtractAsync(submitted);

        Assert.Equal(FailureReasons.BlobMissing, run.Failed!.Reason);
    }

    [Fact]
    public async Task Publish_failure_after_frames_does_not_leave_files_behind()
    {
        using var harness = ExtractorHarness.Create();
        var submitted = await harness.SubmitAsync(await ExtractorMedia.TenSecondClipAsync());

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Extractor.ExtractAsync(submitted, new ThrowingPublisher(), CancellationToken.None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(harness.ScratchRoot));
        Assert.Empty(harness.Registry.Snapshot());
    }

    private static string After(List<string> arguments, string name)
    {
        var at = arguments.LastIndexOf(name);
        Assert.True(at >= 0, $"{name} missing from: {string.Join(' ', arguments)}");
        return arguments[at + 1];
    }

    /// <summary>The broker refuses frames (e.g. it went away): the extraction must surface the error and still clean up.</summary>
    private sealed class ThrowingPublisher : Extraction.IExtractionPublisher
    {
        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class, IMediaMessage =>
            message is FrameExtracted ? throw new InvalidOperationException("broker unavailable") : Task.CompletedTask;
    }
}
