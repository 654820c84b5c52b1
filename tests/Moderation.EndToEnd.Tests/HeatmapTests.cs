using System.Globalization;
using System.Text.Json.Nodes;
using Moderation.Testing;
using SkiaSharp;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Class activation maps through the whole cluster: pictures made of a photograph with a clip-art drawing pasted into
/// one quadrant. The classifier stores the Drawing heatmap beside the frame when it scores Drawing at least its
/// heatmap floor (Classifier:HeatmapMinScore, production default); the hottest pixel of each stored map should lie in
/// the drawing's quadrant. Pictures in which the model sees no drawing get no Drawing map, and are reported apart.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HeatmapTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Pictures = 32;
    private const int Size = 448;
    private const int ArtSize = 216;
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_drawing_heatmaps_peak_lies_in_the_quadrant_holding_the_clip_art_in_at_least_80_percent_of_pictures_with_a_map()
    {
        var photos = await TestMedia.PhotoJpegsAsync(5);
        // Drawings of animals and people, not the package's icons, flags or gradients (on which the model sees no drawing).
        var animals = TestMedia.ClipArt(Pictures / 2, "animals");
        var people = TestMedia.ClipArt(Pictures / 2, "people");
        var clipArt = Enumerable.Range(0, Pictures).Select(i => i % 2 == 0 ? animals[i / 2] : people[i / 2]).ToList();
        using var results = fixture.Cluster.Client(Cluster.Results);
        var (hits, mapped) = (0, 0);
        var lines = new List<string>();
        for (var i = 0; i < Pictures; i++)
        {
            var quadrant = i % 4;
            var (x, y) = (quadrant % 2 == 0 ? 8 : Size - ArtSize - 8, quadrant < 2 ? 8 : Size - ArtSize - 8);
            var picture = await TestMedia.GenerateAsync("png", "-i", photos[i % photos.Count], "-i", clipArt[i], "-filter_complex",
                string.Create(CultureInfo.InvariantCulture,
                    $"[0]scale={Size}:{Size},setsar=1[bg];[1]scale={ArtSize}:{ArtSize}:force_original_aspect_ratio=decrease[art];[bg][art]overlay={x}:{y}"),
                "-frames:v", "1");

            var id = await fixture.Ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(picture));
            var end = await fixture.Ingest.WaitForEndAsync(id, VerdictTimeout);
            var drawing = end["verdict"]!["maxima"]!.AsArray().Single(m => m!["class"]!.GetValue<string>() == "Drawing")!["score"]!.GetValue<float>();
            var frames = JsonNode.Parse(await results.GetStringAsync($"/media/{id}/frames"))!.AsArray();
            var classes = frames[0]!["heatmapClasses"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
            var heatmap = Path.Combine(fixture.Cluster.Directory, "blobs", "frames", id.ToString("N"), "heatmaps", "000000-drawing.png");
            int? found = null;
            if (classes.Contains("Drawing"))
            {
                Assert.True(File.Exists(heatmap), heatmap);
                found = PeakQuadrant(heatmap);
                mapped++;
            }
            else
            {
                Assert.True(drawing < 0.5f, $"Drawing {drawing} is over the heatmap floor, but no heatmap is listed.");
            }

            hits += found == quadrant ? 1 : 0;
            lines.Add($"{Path.GetFileName(clipArt[i])} in quadrant {quadrant}: Drawing {drawing:0.000}, heatmap peak in {found?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        var rate = (double)hits / mapped;
        lines.Add($"Heatmap peak in the clip art's quadrant: {hits} of {mapped} pictures with a Drawing map ({rate:P0}); {Pictures - mapped} of {Pictures} scored Drawing under the floor");
        output.WriteLine(string.Join('\n', lines));
        Console.WriteLine(lines[^1]);
        Assert.True(mapped >= Pictures / 3, string.Join('\n', lines));
        Assert.True(rate >= 0.8, string.Join('\n', lines));
    }

    /// <summary>The quadrant (0 top left, 1 top right, 2 bottom left, 3 bottom right) of the heatmap's most opaque pixel.</summary>
    private static int PeakQuadrant(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        var (bestX, bestY, best) = (0, 0, -1);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var alpha = bitmap.GetPixel(x, y).Alpha;
                if (alpha > best)
                {
                    (bestX, bestY, best) = (x, y, alpha);
                }
            }
        }

        return (bestY + 0.5 > bitmap.Height / 2.0 ? 2 : 0) + (bestX + 0.5 > bitmap.Width / 2.0 ? 1 : 0);
    }
}
