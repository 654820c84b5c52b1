using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.Testing;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Corroborated verdicts of videos through the whole cluster: a policy on the model's Drawing class, and generated
/// videos of a photograph in which a clip-art frame (Debian's openclipart-png) shows for one sampled frame or for five
/// seconds. Sampling is one frame a second for these ten-second clips.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class VideoVerdictTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_video_with_one_sampled_clip_art_frame_over_the_block_threshold_ends_in_review_with_that_timestamp()
    {
        var (policy, _) = await DrawingPolicyAsync(earlyExit: true);
        var video = await ClipArtVideoAsync(shownFrom: 3.5, shownUntil: 4.5);

        var end = await SubmitAsync(video, policy);

        var verdict = end["verdict"]!;
        Assert.Equal("review", verdict["decision"]!.GetValue<string>());
        Assert.False(verdict["decidedEarly"]!.GetValue<bool>());
        Assert.Equal(10, end["framesScored"]!.GetValue<int>());
        var block = Assert.Single(Segments(verdict), s => s.Threshold == "block");
        Assert.Equal(("Drawing", 4.0, 1, false), (block.Class, block.Start, block.Frames, block.Corroborated));
        Assert.Equal(5.0, block.End, 0.01);
        var drawing = verdict["maxima"]!.AsArray().Single(m => m!["class"]!.GetValue<string>() == "Drawing")!;
        Assert.Equal(4.0, drawing["timestampSeconds"]!.GetValue<double>(), 0.01);
    }

    [Fact]
    public async Task The_same_picture_held_for_five_seconds_ends_in_block_with_a_segment_covering_it()
    {
        var (policy, threshold) = await DrawingPolicyAsync(earlyExit: false);
        var video = await ClipArtVideoAsync(shownFrom: 2.5, shownUntil: 7.5);

        var end = await SubmitAsync(video, policy);

        var verdict = end["verdict"]!;
        Assert.Equal("block", verdict["decision"]!.GetValue<string>());
        var block = Assert.Single(Segments(verdict), s => s.Threshold == "block");
        Assert.Equal(("Drawing", 5, true), (block.Class, block.Frames, block.Corroborated));
        Assert.Equal((3.0, 8.0), (block.Start, block.End));
        Assert.True(block.MaxScore >= threshold, $"{block.MaxScore} < {threshold}");
    }

    /// <summary>
    /// A policy that blocks and reviews Drawing halfway between the model's scores of the background photograph and the
    /// clip-art frame (both measured through the cluster), so the test does not depend on the exact scores.
    /// </summary>
    private async Task<(string Policy, float Threshold)> DrawingPolicyAsync(bool earlyExit)
    {
        var background = await DrawingScoreAsync(await BackgroundAsync());
        var clipArt = await DrawingScoreAsync(await ClipArtFrameAsync());
        output.WriteLine($"Drawing: background {background:0.000}, clip-art frame {clipArt:0.000}");
        Assert.True(clipArt - background > 0.3, $"The clip-art frame ({clipArt}) must score Drawing well above the background ({background}).");

        var threshold = (float)Math.Round((background + clipArt) / 2, 3);
        var name = "drawing-video-" + Guid.NewGuid().ToString("N")[..8];
        using var results = fixture.Cluster.Client(Cluster.Results);
        using var created = await results.PostAsJsonAsync("/policies", new
        {
            name,
            block = new Dictionary<string, float> { ["Drawing"] = threshold },
            review = new Dictionary<string, float> { ["Drawing"] = threshold },
            earlyExit,
            comment = "clip art blocks when corroborated (VideoVerdictTests)",
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var view = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Equal((2, 2.0, 1), (view["corroborationFrames"]!.GetValue<int>(), view["corroborationSeconds"]!.GetValue<double>(), view["smoothingWindow"]!.GetValue<int>()));
        return (name, threshold);
    }

    private async Task<float> DrawingScoreAsync(string picture)
    {
        var end = await fixture.Ingest.WaitForEndAsync(await fixture.Ingest.SubmitAcceptedAsync(picture), VerdictTimeout);
        return end["verdict"]!["maxima"]!.AsArray().Single(m => m!["class"]!.GetValue<string>() == "Drawing")!["score"]!.GetValue<float>();
    }

    private async Task<JsonNode> SubmitAsync(string video, string policy)
    {
        var (status, body, _) = await fixture.Ingest.SubmitAsync(TestMedia.UniqueCopy(video), configure: r =>
            r.RequestUri = new Uri($"/media?policy={policy}", UriKind.Relative));
        Assert.True(status == System.Net.HttpStatusCode.Accepted, $"{status}: {body}");
        var end = await fixture.Ingest.WaitForEndAsync(Guid.Parse(body!["mediaId"]!.GetValue<string>()), VerdictTimeout);
        output.WriteLine(end.ToJsonString());
        Assert.Equal("completed", IngestApi.State(end));
        return end;
    }

    private static List<(string Class, string Threshold, double Start, double End, float MaxScore, int Frames, bool Corroborated)> Segments(JsonNode verdict) =>
        [.. verdict["segments"]!.AsArray().Select(s => (s!["class"]!.GetValue<string>(), s["threshold"]!.GetValue<string>(), s["startSeconds"]!.GetValue<double>(),
            s["endSeconds"]!.GetValue<double>(), s["maxScore"]!.GetValue<float>(), s["frames"]!.GetValue<int>(), s["corroborated"]!.GetValue<bool>()))];

    /// <summary>A photograph from gnome-backgrounds at the video's size.</summary>
    private static async Task<string> BackgroundAsync() =>
        await TestMedia.GenerateAsync("png", "-i", (await TestMedia.PhotoJpegsAsync(5))[2], "-vf", "scale=448:448,setsar=1", "-frames:v", "1");

    /// <summary>The photograph with a clip-art drawing (an ice cream) pasted in its bottom right quadrant, which the model scores high on Drawing.</summary>
    private static async Task<string> ClipArtFrameAsync() =>
        await TestMedia.GenerateAsync("png", "-i", await BackgroundAsync(), "-i", TestMedia.ClipArtFile("food/desserts/glace_7_bw_jean-victor_b_01.png"),
            "-filter_complex", "[1]scale=208:208:force_original_aspect_ratio=decrease[art];[0][art]overlay=232:232", "-frames:v", "1");

    /// <summary>Ten seconds of the photograph at 10 fps, the clip-art frame shown from <paramref name="shownFrom"/> until <paramref name="shownUntil"/>.</summary>
    private static async Task<string> ClipArtVideoAsync(double shownFrom, double shownUntil) =>
        await TestMedia.GenerateAsync("mp4", "-loop", "1", "-framerate", "10", "-t", "10", "-i", await BackgroundAsync(),
            "-loop", "1", "-framerate", "10", "-t", "10", "-i", await ClipArtFrameAsync(),
            "-filter_complex", string.Create(CultureInfo.InvariantCulture, $"[0][1]overlay=enable='between(t,{shownFrom},{shownUntil - 0.05})'"),
            "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "20");
}
