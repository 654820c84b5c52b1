using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Moderation.Testing;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Scores through the whole running cluster against nsfwjs <c>classify()</c> (tools/model-import/node/reference.mjs, on
/// tfjs) on the same pixels: large lossless photos, small clip art and frames of a video. Lossless inputs must agree
/// within 0.01 with the same top class; JPEG decoders differ (libjpeg-turbo here, jpeg-js there), so that spread is
/// reported, not bounded.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FidelityTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const double Tolerance = 0.01;
    private static readonly string[] Classes = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Scores_through_the_cluster_equal_nsfwjs_on_the_same_pixels_for_large_photos_clip_art_and_video_frames()
    {
        // Wallpapers as lossless PNG from 1280 to 3840 px wide (the old path shrank these with ffmpeg before the exact resize).
        var photos = TestMedia.Photos(4);
        int[] widths = [1280, 1920, 2560, 3840];
        var lossless = new List<string>();
        for (var i = 0; i < photos.Count; i++)
        {
            lossless.Add(await TestMedia.GenerateAsync("png", "-i", photos[i], "-vf", $"scale={widths[i]}:-2", "-frames:v", "1", "-pix_fmt", "rgb24"));
        }

        lossless.AddRange(TestMedia.ClipArt(3));
        var jpeg = await TestMedia.GenerateAsync("jpg", "-i", photos[0], "-vf", "scale=1920:-2", "-frames:v", "1", "-q:v", "2");

        // A video whose sampled frames (one a second, decoded exactly) are compared with the same frames decoded by ffmpeg to PNG.
        var video = await TestMedia.GenerateAsync("mp4", "-loop", "1", "-i", photos[1], "-f", "lavfi", "-i", "testsrc2=size=960x540:rate=10",
            "-filter_complex", "[0:v]scale=960:540,setsar=1[p];[p][1:v]blend=all_mode=average,format=yuv420p", "-t", "5", "-r", "10",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10");
        var videoFrames = Path.Combine(TestMedia.CacheDirectory, $"fidelity-frames-{Path.GetFileNameWithoutExtension(video)}");
        Directory.CreateDirectory(videoFrames);
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", video,
            "-vf", "select='eq(n,0)+eq(n,10)+eq(n,20)+eq(n,30)+eq(n,40)',format=rgb24", "-fps_mode", "passthrough", Path.Combine(videoFrames, "%d.png")]);
        var framePaths = Enumerable.Range(1, 5).Select(i => Path.Combine(videoFrames, $"{i}.png")).ToList();

        var stills = lossless.Append(jpeg).ToList();
        var ids = new List<Guid>();
        foreach (var still in stills)
        {
            ids.Add(await fixture.Ingest.SubmitAcceptedAsync(still));
        }

        var videoId = await fixture.Ingest.SubmitAcceptedAsync(video);
        var reference = await NsfwjsAsync([.. stills, .. framePaths]);

        var report = new StringBuilder("picture | nsfwjs top | cluster top | max |Δ|\n");
        var problems = new List<string>();
        var jpegSpread = 0.0;
        for (var i = 0; i < stills.Count; i++)
        {
            var end = await fixture.Ingest.WaitForEndAsync(ids[i], VerdictTimeout);
            Assert.True(IngestApi.State(end) == "completed", end.ToJsonString());
            var ours = end["verdict"]!["maxima"]!.AsArray().ToDictionary(m => m!["class"]!.GetValue<string>(), m => m!["score"]!.GetValue<double>());
            var difference = Compare(Path.GetFileName(stills[i]), ours, reference[stills[i]], report);
            if (stills[i] == jpeg)
            {
                jpegSpread = difference.Max;
            }
            else if (difference.Max > Tolerance || !difference.SameTop)
            {
                problems.Add($"{stills[i]}: max |Δ| {difference.Max:F4}, same top class {difference.SameTop}");
            }
        }

        var videoEnd = await fixture.Ingest.WaitForEndAsync(videoId, VerdictTimeout);
        Assert.Equal("completed", IngestApi.State(videoEnd));
        using var results = fixture.Cluster.Client(Cluster.Results);
        var frames = JsonNode.Parse(await results.GetStringAsync($"/media/{videoId}/frames"))!.AsArray();
        Assert.Equal(5, frames.Count);
        foreach (var frame in frames)
        {
            var second = (int)Math.Round(frame!["timestampSeconds"]!.GetValue<double>());
            var ours = frame["scores"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<double>());
            var difference = Compare($"video frame at {second} s", ours, reference[framePaths[second]], report);
            if (difference.Max > Tolerance || !difference.SameTop)
            {
                problems.Add($"video frame at {second} s: max |Δ| {difference.Max:F4}, same top class {difference.SameTop}");
            }
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"JPEG (libjpeg-turbo vs jpeg-js, reported only): max |Δ| {jpegSpread:F4}");
        output.WriteLine(report.ToString());
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + report);
    }

    private static (double Max, bool SameTop) Compare(string name, Dictionary<string, double> ours, double[] theirs, StringBuilder report)
    {
        var max = Classes.Select((c, i) => Math.Abs(ours[c] - theirs[i])).Max();
        var ourTop = Classes.MaxBy(c => ours[c])!;
        var theirTop = Classes[Array.IndexOf(theirs, theirs.Max())];
        report.AppendLine(CultureInfo.InvariantCulture, $"{name} | {theirTop} {theirs.Max():F4} | {ourTop} {ours[ourTop]:F4} | {max:F5}");
        return (max, ourTop == theirTop);
    }

    /// <summary>nsfwjs <c>classify()</c> of each file, probabilities in class order.</summary>
    private static async Task<Dictionary<string, double[]>> NsfwjsAsync(IReadOnlyList<string> files)
    {
        var node = Path.Combine(RepoPaths.Root, "tools", "model-import", "node");
        var lines = await ProcessRunner.RunAsync("node", ["reference.mjs", "classify", "--model", "mobilenet_v2", "--backend", "wasm", .. files],
            TimeSpan.FromMinutes(5), node);
        var answers = new Dictionary<string, double[]>();
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
        {
            var answer = JsonNode.Parse(line)!;
            var predictions = answer["predictions"]!.AsArray();
            answers[answer["file"]!.GetValue<string>()] = Classes
                .Select(c => predictions.Single(p => p!["className"]!.GetValue<string>() == c)!["probability"]!.GetValue<double>()).ToArray();
        }

        return answers;
    }
}
