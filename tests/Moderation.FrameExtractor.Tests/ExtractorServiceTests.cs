using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Apis;
using Moderation.Testing;
using SkiaSharp;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>The acceptance cases over the real bus: what results and the classifier would receive for each kind of medium.</summary>
[Collection(ExtractorServiceCollection.Name)]
public sealed class ExtractorServiceTests(ExtractorServiceFixture service)
{
    [Fact]
    public async Task Ten_second_clip_publishes_plan_then_ten_frames_then_exact_completion()
    {
        var submitted = await service.SubmitAsync(await ExtractorMedia.TenSecondClipAsync());
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.IsType<FramesPlanned>(media.All[0]);
        Assert.Equal(10, media.Planned!.PlannedFrames);
        Assert.Equal((320, 240), (media.Planned.Width, media.Planned.Height));
        Assert.Equal("h264", media.Planned.Codec);
        Assert.Equal(Enumerable.Range(0, 10), media.Frames.Select(f => f.FrameIndex));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), media.Frames.Select(f => Math.Round(f.TimestampSeconds, 3)));
        Assert.All(media.Frames, f => Assert.Equal((media.Planned.Width, media.Planned.Height, SKEncodedImageFormat.Png), FramePicture.Describe(f, service.Blobs)));
        Assert.All(media.All, m => Assert.Equal(submitted.CorrelationId, m.CorrelationId));
        Assert.Equal(10, media.Completed!.FrameCount);
        Assert.False(media.Completed.Cancelled);
        Assert.Null(media.Failed);
    }

    [Fact]
    public async Task Two_minute_clip_is_sampled_every_second()
    {
        var submitted = await service.SubmitAsync(await ExtractorMedia.TwoMinuteClipAsync());
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(1, media.Planned!.IntervalSeconds, 3);
        Assert.Equal(120, media.Planned.PlannedFrames);
        Assert.Equal(120, media.Completed!.FrameCount);
        Assert.Equal(Enumerable.Range(0, 120), media.Frames.Select(f => f.FrameIndex));
        Assert.Equal(119, media.Frames[^1].TimestampSeconds, 3);
    }

    [Fact]
    public async Task Thirty_minute_video_is_sampled_every_five_seconds_from_its_keyframes()
    {
        var submitted = await service.SubmitAsync(await ExtractorMedia.ThirtyMinuteScaledAsync());
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        // 360 planned timestamps, 5 s apart; a keyframe every 10 s lies within one interval of each, so each is
        // served by its nearest keyframe and only keyframes are decoded: 180 distinct frames, 10 s apart.
        Assert.Equal(5, media.Planned!.IntervalSeconds, 3);
        Assert.Equal(1800, media.Planned.DurationSeconds, 0);
        Assert.Equal(180, media.Planned.PlannedFrames);
        Assert.Equal(180, media.Completed!.FrameCount);
        Assert.Equal(Enumerable.Range(0, 180).Select(i => i * 10.0), media.Frames.Select(f => Math.Round(f.TimestampSeconds, 3)));
        Assert.All(media.Frames, f => Assert.Equal((media.Planned.Width, media.Planned.Height, SKEncodedImageFormat.Png), FramePicture.Describe(f, service.Blobs)));
    }

    [Fact]
    public async Task Animated_gif_is_sampled_on_its_duration()
    {
        var submitted = await service.SubmitAsync(await TestMedia.GifAsync(seconds: 4, fps: 5));
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(MediaKind.Animation, media.Planned!.Kind);
        Assert.Equal([0.0, 1.0, 2.0, 3.0], media.Frames.Select(f => Math.Round(f.TimestampSeconds, 2)));
        Assert.Equal(4, media.Completed!.FrameCount);
    }

    [Fact]
    public async Task Still_is_answered_while_every_video_slot_is_busy()
    {
        // More slow videos than the replica extracts at once (Extraction:MaxConcurrentMedia = 2, and as many submission
        // slots), then a still: on one queue the still would wait until a video finished; with videos handed to their
        // own queue it is answered while they all run.
        var video = await ExtractorMedia.SlowVideoAsync();
        var videos = new List<MediaSubmitted>();
        for (var i = 0; i < 3; i++)
        {
            var stored = await service.StoreAsync(video);
            videos.Add(stored with { ContentType = i == 0 ? "video/mp4" : null });
        }

        var videoIds = videos.Select(v => v.MediaId).ToHashSet();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedCount = 0;
        var release = false;
        var decided = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        service.Log.OnMessage = async (context, message) =>
        {
            if (message is FramesPlanned plan && videoIds.Contains(plan.MediaId) && Interlocked.Increment(ref startedCount) == 2)
            {
                started.TrySetResult();
            }

            // Once the still is answered, each video is stopped at its next frame, as results' early exit would.
            if (message is FrameExtracted frame && videoIds.Contains(frame.MediaId) && Volatile.Read(ref release) && decided.TryAdd(frame.MediaId, true))
            {
                await context.Publish(new MediaDecided(frame.MediaId, frame.CorrelationId, Decision.Block, "Drawing", 0.97f, frame.FrameIndex));
            }
        };
        try
        {
            foreach (var submitted in videos)
            {
                await service.Bus.Publish(submitted);
            }

            // Both video slots are taken (two plans announced) before the still is submitted.
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
            var still = await service.SubmitAsync(await TestMedia.JpegAsync(320, 200));
            await service.Log.For(still.MediaId).EndedAsync();

            Assert.All(videos, v => Assert.Null(service.Log.For(v.MediaId).Completed));
        }
        finally
        {
            Volatile.Write(ref release, true);
            await Task.WhenAll(videos.Select(v => service.Log.For(v.MediaId).EndedAsync(TimeSpan.FromMinutes(3))));
            service.Log.OnMessage = null;
        }
    }

    [Fact]
    public async Task Still_image_is_one_frame()
    {
        var submitted = await service.SubmitAsync(await TestMedia.JpegAsync(800, 600));
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(MediaKind.Still, media.Planned!.Kind);
        Assert.True(media.Planned.ExtractionComplete);
        Assert.Equal((0, submitted.BlobKey), (Assert.Single(media.Frames).FrameIndex, media.Frames[0].ImageBlobKey));
        Assert.Null(media.Completed);
    }

    [Fact]
    public async Task Decision_from_results_cancels_remaining_frames_and_completion_counts_exactly_what_was_published()
    {
        var video = await ExtractorMedia.SlowVideoAsync();
        var submitted = await service.StoreAsync(video);
        ExtractionProgress? progress = null;
        var decided = 0;
        service.Log.OnMessage = async (context, message) =>
        {
            // Results' early exit: a frame crossed the block threshold of a (non-sexual) class in the policy.
            if (message is FrameExtracted frame && frame.MediaId == submitted.MediaId && Interlocked.Exchange(ref decided, 1) == 0)
            {
                using var http = service.CreateClient();
                progress = await http.GetFromJsonAsync<ExtractionProgress>($"/extractions/{submitted.MediaId}");
                await context.Publish(new MediaDecided(submitted.MediaId, submitted.CorrelationId, Decision.Block, "Drawing", 0.97f, frame.FrameIndex));
            }
        };
        try
        {
            await service.Bus.Publish(submitted);
            var media = await service.Log.For(submitted.MediaId).EndedAsync();
            await Task.Delay(500);

            var planned = media.Planned!.PlannedFrames;
            Assert.InRange(planned, 300, 360);
            Assert.True(media.Completed!.Cancelled);
            Assert.InRange(media.Completed.FrameCount, 1, planned - 100);
            Assert.Equal(media.Completed.FrameCount, media.Frames.Count);
            Assert.Equal(media.Completed, media.All[^1]);
            Assert.NotNull(progress);
            Assert.Equal(planned, progress.PlannedFrames);
            Assert.InRange(progress.PublishedFrames, 1, planned - 1);
            Assert.InRange(progress.Percent, 0.1, 99.9);
        }
        finally
        {
            service.Log.OnMessage = null;
        }
    }

    [Fact]
    public async Task Hostile_hls_playlist_referencing_a_local_file_is_refused_without_reading_it()
    {
        var referenced = await ExtractorMedia.TenSecondClipAsync();
        var playlist = Path.Combine(service.ScratchRoot, $"{Guid.NewGuid():N}.m3u8");
        await File.WriteAllTextAsync(playlist, $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{referenced}\n#EXT-X-ENDLIST\n");

        var submitted = await service.SubmitAsync(playlist);
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(FailureReasons.ForbiddenReference, media.Failed!.Reason);
        Assert.Equal("frame-extractor", media.Failed.Stage);
        Assert.Null(media.Planned);
        Assert.Empty(media.Frames);
    }

    [Fact]
    public async Task Hls_playlist_pointing_at_a_host_never_connects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var playlist = Path.Combine(service.ScratchRoot, $"{Guid.NewGuid():N}.m3u8");
        await File.WriteAllTextAsync(playlist, $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:{port}/segment.ts\n#EXT-X-ENDLIST\n");

        var submitted = await service.SubmitAsync(playlist);
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(FailureReasons.ForbiddenReference, media.Failed!.Reason);
        Assert.False(listener.Pending(), "ffmpeg connected to the host named in the playlist");
    }

    [Fact]
    public async Task Truncated_mp4_ends_in_MediaFailed_with_reason()
    {
        var submitted = await service.SubmitAsync(await TestMedia.TruncatedAsync(await ExtractorMedia.TwoMinuteClipAsync(), 0.4));
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(FailureReasons.Truncated, media.Failed!.Reason);
        Assert.Empty(media.Frames);
    }

    [Fact]
    public async Task Failure_details_never_name_a_server_path()
    {
        // ffmpeg names its input file on stderr ("…/blobs/media/ab/…: Invalid data found"); a client must not learn where
        // the blob store or the scratch space lives.
        var truncated = await TestMedia.TruncatedAsync(await ExtractorMedia.TwoMinuteClipAsync(), 0.4);
        var garbage = Path.Combine(service.ScratchRoot, "garbage.bin");
        await File.WriteAllBytesAsync(garbage, [0x00, 0x00, 0x00, 0x18, .. "ftypmp42"u8, .. new byte[4096]]);
        foreach (var path in new[] { truncated, garbage })
        {
            var submitted = await service.SubmitAsync(path);
            var failed = (await service.Log.For(submitted.MediaId).EndedAsync()).Failed!;
            Assert.DoesNotContain(service.BlobRoot, failed.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(service.ScratchRoot, failed.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetTempPath(), failed.Detail, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(^|[\s'""(])/[\w.-]+/", failed.Detail);
        }
    }

    [Fact]
    public async Task Submission_with_only_a_source_url_is_left_to_ingest()
    {
        var urlOnly = await service.SubmitAsync(await TestMedia.PngAsync(), s => s with { BlobKey = null, SourceUrl = "https://example.invalid/a.png" });
        var stored = await service.SubmitAsync(await TestMedia.PngAsync("olive", 64, 64));
        await service.Log.For(stored.MediaId).EndedAsync();

        Assert.Empty(service.Log.For(urlOnly.MediaId).All);
    }

    [Fact]
    public async Task Redelivered_submission_republishes_the_same_frames_under_the_same_indices()
    {
        var submitted = await service.StoreAsync(await ExtractorMedia.TenSecondClipAsync());
        var media = service.Log.For(submitted.MediaId);
        await service.Bus.Publish(submitted);
        await media.EndedAsync();
        var first = media.All.OfType<FrameExtracted>().ToList();

        var again = new TaskCompletionSource();
        service.Log.OnMessage = (_, message) =>
        {
            if (message is FrameExtractionCompleted && message.MediaId == submitted.MediaId)
            {
                again.TrySetResult();
            }

            return Task.CompletedTask;
        };
        try
        {
            await service.Bus.Publish(submitted);
            await again.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            service.Log.OnMessage = null;
        }

        var second = media.All.OfType<FrameExtracted>().Skip(first.Count).ToList();
        Assert.Equal(first.Count, second.Count);
        Assert.Equal(
            first.OrderBy(f => f.FrameIndex).Select(f => (f.FrameIndex, f.TimestampSeconds, f.ImageBlobKey, Convert.ToHexString(FramePicture.Bytes(f, service.Blobs)))),
            second.OrderBy(f => f.FrameIndex).Select(f => (f.FrameIndex, f.TimestampSeconds, f.ImageBlobKey, Convert.ToHexString(FramePicture.Bytes(f, service.Blobs)))));
    }

    [Fact]
    public async Task Health_is_ready_with_ffmpeg_in_the_sandbox()
    {
        using var http = service.CreateClient();
        var response = await http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
