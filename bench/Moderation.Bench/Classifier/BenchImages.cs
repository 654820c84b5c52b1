using System.Globalization;
using Moderation.Testing;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The benchmark's SFW image set, pre-scaled to 224×224 JPEG the way the frame extractor sends frames: GNOME
/// backgrounds (photos and renderings), ffmpeg-generated patterns, and openclipart drawings. Cached under .data/bench.
/// </summary>
internal static class BenchImages
{
    private static readonly string[] Patterns =
    [
        "testsrc2=size=224x224:rate=25",
        "gradients=size=224x224:rate=25:speed=0.05",
        "mandelbrot=size=224x224:rate=25",
        "life=size=224x224:rate=25:mold=10:ratio=0.3:death_color=#C83232:life_color=#00ff00",
        "cellauto=size=224x224:rate=25:rule=110",
    ];

    private const int FramesPerPattern = 24;

    public static async Task<IReadOnlyList<string>> PrepareAsync(int count)
    {
        var directory = Path.Combine(RepoPaths.Data, "bench", "classifier-frames", count.ToString(CultureInfo.InvariantCulture));
        var listFile = Path.Combine(directory, "images.txt");
        if (File.Exists(listFile))
        {
            return await File.ReadAllLinesAsync(listFile);
        }

        Directory.CreateDirectory(directory);
        var photos = TestMedia.Photos(Math.Min(16, count / 8));
        var generated = new List<string>();
        for (var p = 0; p < Patterns.Length && generated.Count + photos.Count < count / 2; p++)
        {
            var pattern = Path.Combine(directory, $"pattern{p}-%03d.jpg");
            await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", Patterns[p],
                "-vf", "fps=2", "-frames:v", FramesPerPattern.ToString(CultureInfo.InvariantCulture), "-q:v", "3", pattern]);
            generated.AddRange(Enumerable.Range(1, FramesPerPattern).Select(i => Path.Combine(directory, $"pattern{p}-{i:000}.jpg")));
        }

        var clipArt = TestMedia.ClipArt(count - photos.Count - generated.Count);
        var scaled = new string[photos.Count + clipArt.Count];
        await Parallel.ForAsync(0, scaled.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, _) =>
        {
            var source = i < photos.Count ? photos[i] : clipArt[i - photos.Count];
            var target = Path.Combine(directory, i < photos.Count ? $"photo-{i:000}.jpg" : $"clipart-{i - photos.Count:000}.jpg");
            await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", source,
                "-vf", "scale=224:224", "-frames:v", "1", "-q:v", "3", target]);
            scaled[i] = target;
        });

        // Interleaved, so every batch mixes photos, patterns and drawings.
        var images = scaled.Concat(generated)
            .Select((path, i) => (path, key: (i * 7919L) % 104729))
            .OrderBy(x => x.key)
            .Select(x => x.path)
            .ToList();
        await File.WriteAllLinesAsync(listFile, images);
        return images;
    }
}
