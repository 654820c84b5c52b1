using System.Net;
using System.Text.Json.Nodes;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The whole cluster through real RabbitMQ, PostgreSQL, ffmpeg and ONNX Runtime: what an upload system sees.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Jpeg_upload_answers_202_with_a_status_url_and_reaches_a_verdict_with_five_class_scores()
    {
        var jpeg = await TestMedia.JpegAsync(800, 600);

        var (status, body, response) = await fixture.Ingest.SubmitAsync(jpeg);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = Guid.Parse(body!["mediaId"]!.GetValue<string>());
        Assert.NotNull(response.Headers.Location);
        Assert.Contains(id.ToString(), response.Headers.Location!.ToString(), StringComparison.OrdinalIgnoreCase);

        var end = await fixture.Ingest.WaitForEndAsync(id, VerdictTimeout);
        Assert.Equal("completed", IngestApi.State(end));
        var maxima = end["verdict"]!["maxima"]!.AsArray();
        Assert.Equal(["Drawing", "Hentai", "Neutral", "Porn", "Sexy"], maxima.Select(m => m!["class"]!.GetValue<string>()).Order());
        Assert.All(maxima, m => Assert.InRange(m!["score"]!.GetValue<float>(), 0f, 1f));
        Assert.Equal(1.0, maxima.Sum(m => m!["score"]!.GetValue<double>()), 2);
    }

    [Fact]
    public async Task Sixty_second_video_is_sampled_by_the_adaptive_rule_and_records_the_frame_of_each_maximum()
    {
        var video = await TestMedia.VideoAsync(60, 320, 240, 10, 2);
        var expected = SamplingRule.For(60, new SamplingOptions());

        var id = await fixture.Ingest.SubmitAcceptedAsync(video);
        var end = await fixture.Ingest.WaitForEndAsync(id, VerdictTimeout);

        Assert.Equal("completed", IngestApi.State(end));
        Assert.Equal(expected.FrameCount, end["framesScored"]!.GetValue<int>());
        Assert.InRange(expected.FrameCount, 12, 60);
        var frames = Path.Combine(fixture.Cluster.Directory, "blobs", "frames", id.ToString("N"));
        Assert.Equal(expected.FrameCount, Directory.GetFiles(frames, "*.png").Length);
        foreach (var maximum in end["verdict"]!["maxima"]!.AsArray())
        {
            var index = maximum!["frameIndex"]!.GetValue<int>();
            Assert.InRange(index, 0, expected.FrameCount - 1);
            Assert.Equal(index * expected.IntervalSeconds, maximum["timestampSeconds"]!.GetValue<double>(), 0.75);
        }
    }

    [Fact]
    public async Task With_wait_the_submission_answers_with_the_verdict_or_the_failure_once_the_medium_concludes()
    {
        var jpeg = TestMedia.UniqueCopy(await TestMedia.JpegAsync(640, 480));
        var (status, body, response) = await fixture.Ingest.SubmitAsync(jpeg, configure: WaitFor(60_000 / 2));
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Equal(("completed", false), (body!["status"]!.GetValue<string>(), body["duplicate"]!.GetValue<bool>()));
        Assert.Contains(body["verdict"]!["decision"]!.GetValue<string>(), new[] { "allow", "review", "block" });
        Assert.Equal(5, body["verdict"]!["maxima"]!.AsArray().Count);
        Assert.Equal(body["statusUrl"]!.GetValue<string>(), response.Headers.Location!.ToString());

        // A picture the classifier cannot decode fails in results alone (no event announces it): the wait still sees it.
        var truncated = await TestMedia.TruncatedAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(640, 480)), 0.5);
        (status, body, _) = await fixture.Ingest.SubmitAsync(truncated, configure: WaitFor(30_000));
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Equal("failed", body!["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["failure"]!["reason"]!.GetValue<string>()));

        // Without wait, as before: 202 at once.
        (status, _, _) = await fixture.Ingest.SubmitAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(320, 240)));
        Assert.Equal(HttpStatusCode.Accepted, status);
        (status, body, _) = await fixture.Ingest.SubmitAsync(jpeg, configure: WaitFor(-1));
        Assert.True(status == HttpStatusCode.BadRequest, $"{status}: {body}");
    }

    private static Action<HttpRequestMessage> WaitFor(int milliseconds) =>
        request => request.RequestUri = new Uri($"/media?wait={milliseconds}", UriKind.Relative);

    [Fact]
    public async Task Truncated_mp4_ends_in_MediaFailed_with_a_reason_not_a_hang()
    {
        var truncated = await TestMedia.TruncatedAsync(await TestMedia.VideoAsync(20, 320, 240, 10, 2), 0.3);

        var (status, body, _) = await fixture.Ingest.SubmitAsync(truncated);

        if (status == HttpStatusCode.Accepted)
        {
            var end = await fixture.Ingest.WaitForEndAsync(Guid.Parse(body!["mediaId"]!.GetValue<string>()), VerdictTimeout);
            Assert.Equal("failed", IngestApi.State(end));
            Assert.False(string.IsNullOrWhiteSpace(end["failure"]!["reason"]!.GetValue<string>()));
        }
        else
        {
            Assert.True((int)status is >= 400 and < 500, $"{status}: {body}");
        }
    }

    [Fact]
    public async Task Animated_gif_is_judged_over_several_frames()
    {
        var gif = await TestMedia.GifAsync(6, 160, 120, 5);

        var id = await fixture.Ingest.SubmitAcceptedAsync(gif);
        var end = await fixture.Ingest.WaitForEndAsync(id, VerdictTimeout);

        Assert.Equal("completed", IngestApi.State(end));
        Assert.True(end["framesScored"]!.GetValue<int>() >= 5, end.ToJsonString());
    }

    [Fact]
    public async Task Identical_content_submitted_twice_returns_the_first_verdict_without_a_new_medium()
    {
        var png = await TestMedia.PngAsync("darkorange", 300, 200);
        var first = await fixture.Ingest.SubmitAcceptedAsync(png);
        var firstEnd = await fixture.Ingest.WaitForEndAsync(first, VerdictTimeout);
        Assert.Equal("completed", IngestApi.State(firstEnd));

        var classifiedBefore = await FramesClassifiedAsync();

        var (status, body, _) = await fixture.Ingest.SubmitAsync(png, "again.png");
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(classifiedBefore, await FramesClassifiedAsync());
        Assert.True(body!["duplicate"]!.GetValue<bool>());
        Assert.Equal(first, Guid.Parse(body["mediaId"]!.GetValue<string>()));
        Assert.Equal(firstEnd["verdict"]!["decision"]!.ToJsonString(), body["verdict"]!["decision"]!.ToJsonString());
    }

    /// <summary>The classifier's own count of frames it has scored (its loopback-only stats endpoint).</summary>
    private async Task<long> FramesClassifiedAsync()
    {
        using var classifier = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Classifier) };
        var stats = JsonNode.Parse(await classifier.GetStringAsync("/api/classifier/stats"))!;
        return stats["framesClassified"]!.GetValue<long>();
    }

    [Fact]
    public async Task Status_of_an_unknown_medium_is_404_problem_details()
    {
        using var response = await fixture.Ingest.Http.GetAsync($"/media/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(404, problem["status"]!.GetValue<int>());
    }
}
