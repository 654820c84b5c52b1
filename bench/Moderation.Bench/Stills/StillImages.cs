using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Moderation.Testing;

namespace Moderation.Bench.Stills;

/// <summary>
/// Distinct safe-for-work 640×480 JPEGs, generated deterministically and cached under <c>.cache/bench</c>: moving crops
/// with hue shifts of Debian's gnome-backgrounds (photos and renderings), and ffmpeg's testsrc2, mandelbrot, cellauto,
/// life and gradients sources with varying seeds. One ffmpeg process writes each source's frames (a few dozen
/// processes in all, about a second each); files with a repeated SHA-256 are dropped, since ingest de-duplicates by it.
/// </summary>
internal static class StillImages
{
    public const int Width = 640;
    public const int Height = 480;

    /// <summary>The sources and their shares of the set; a photo source is one background picture.</summary>
    private static readonly (string Name, double Share, Func<int, int, string[]> Arguments)[] Sources =
    [
        ("photo", 0.40, PhotoArguments),
        ("testsrc2", 0.15, (seed, frames) => Lavfi($"testsrc2=size={Width}x{Height}:rate=25", frames, $"hue=h={seed * 40}")),
        ("mandelbrot", 0.15, (seed, frames) => Lavfi($"mandelbrot=size={Width}x{Height}:rate=25:maxiter=300:start_x={-0.743643887037151 + (seed * 0.002)}:end_pts=400", frames, "select=not(mod(n\\,2))")),
        ("cellauto", 0.12, (seed, frames) => Lavfi($"cellauto=size={Width}x{Height}:rate=25:rule={new[] { 30, 90, 110, 150 }[seed % 4]}:seed={seed}", frames, null)),
        ("life", 0.09, (seed, frames) => Lavfi($"life=size={Width}x{Height}:rate=25:seed={seed}:mold=10:ratio=0.3:life_color=#2a7fff:death_color=#ffcc33:mold_color=#223344", frames, null)),
        ("gradients", 0.09, (seed, frames) => Lavfi($"gradients=size={Width}x{Height}:rate=25:seed={seed}:speed=0.05", frames, null)),
    ];

    private const int FramesPerRun = 50;

    /// <summary>At least <paramref name="count"/> distinct pictures, interleaved so that any run of them mixes the sources.</summary>
    public static async Task<IReadOnlyList<string>> PrepareAsync(int count)
    {
        var directory = Path.Combine(RepoPaths.Root, ".cache", "bench", $"stills-{Width}x{Height}");
        var listFile = Path.Combine(directory, "images.txt");
        if (File.Exists(listFile) && await File.ReadAllLinesAsync(listFile) is { } cached && cached.Length >= count && cached.All(File.Exists))
        {
            return cached[..count];
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        Console.WriteLine($"generating {count} distinct {Width}x{Height} JPEGs into {directory} (once)…");
        var photos = TestMedia.Photos(16);
        var perSource = new List<List<string>>();
        foreach (var (name, share, arguments) in Sources)
        {
            // 10 % spare for the rare repeated frame (e.g. a cellular automaton that settles).
            var wanted = (int)Math.Ceiling(count * share * 1.1);
            var frames = new List<string>();
            var runs = name == "photo" ? photos.Count : (wanted + FramesPerRun - 1) / FramesPerRun;
            var perRun = (wanted + runs - 1) / runs;
            for (var run = 0; run < runs; run++)
            {
                var pattern = Path.Combine(directory, $"{name}-{run:00}-%03d.jpg");
                // Photo runs are the pictures' indexes; the generated sources take seeds from 1.
                var args = arguments(name == "photo" ? run : run + 1, perRun);
                await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args, "-q:v", "4", pattern], TimeSpan.FromMinutes(5));
                frames.AddRange(Enumerable.Range(1, perRun).Select(i => Path.Combine(directory, $"{name}-{run:00}-{i:000}.jpg")).Where(File.Exists));
            }

            perSource.Add(frames);
        }

        // Round-robin over the sources in proportion to their shares, keeping only the first file of each content.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var images = new List<string>();
        var cursors = new double[perSource.Count];
        var taken = new int[perSource.Count];
        while (images.Count < count && Enumerable.Range(0, perSource.Count).Any(s => taken[s] < perSource[s].Count))
        {
            for (var s = 0; s < perSource.Count; s++)
            {
                for (cursors[s] += Sources[s].Share * 10; cursors[s] >= 1 && taken[s] < perSource[s].Count; cursors[s]--)
                {
                    var file = perSource[s][taken[s]++];
                    if (seen.Add(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)))))
                    {
                        images.Add(file);
                    }
                }
            }
        }

        if (images.Count < count)
        {
            throw new InvalidOperationException($"Only {images.Count} distinct pictures came out; {count} wanted.");
        }

        images = images[..count];
        await File.WriteAllLinesAsync(listFile, images);
        return images;
    }

    /// <summary>
    /// A copy of a JPEG whose bytes are unique to (<paramref name="runId"/>, <paramref name="label"/>): a comment segment
    /// right after the start-of-image marker. The pixels are untouched; ingest's de-duplication by SHA-256 never answers
    /// a re-run, or a picture sent twice in one run, from an earlier verdict.
    /// </summary>
    public static byte[] Unique(byte[] jpeg, string runId, string label)
    {
        if (jpeg.Length < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new ArgumentException("Not a JPEG (no SOI marker).", nameof(jpeg));
        }

        var comment = Encoding.ASCII.GetBytes($"moderation-bench {runId} {label}");
        var segmentLength = comment.Length + 2;
        var unique = new byte[jpeg.Length + 2 + segmentLength];
        unique[0] = 0xFF;
        unique[1] = 0xD8;
        unique[2] = 0xFF;
        unique[3] = 0xFE;
        unique[4] = (byte)(segmentLength >> 8);
        unique[5] = (byte)segmentLength;
        comment.CopyTo(unique, 6);
        jpeg.AsSpan(2).CopyTo(unique.AsSpan(6 + comment.Length));
        return unique;
    }

    private static string[] PhotoArguments(int photo, int frames)
    {
        var source = TestMedia.Photos(16)[photo];
        // One decode of the (4096²) picture, looped in memory; each frame a different crop, hue and saturation.
        var filter = string.Create(CultureInfo.InvariantCulture,
            $"scale=1280:1280,loop=loop={frames - 1}:size=1,crop={Width}:{Height}:x='mod(n*97\\,{1280 - Width})':y='mod(n*131\\,{1280 - Height})',hue=h='n*13+{photo * 20}':s='0.8+0.04*mod(n\\,10)'");
        return ["-i", source, "-vf", filter, "-frames:v", frames.ToString(CultureInfo.InvariantCulture)];
    }

    private static string[] Lavfi(string source, int frames, string? filter) =>
        filter is null
            ? ["-f", "lavfi", "-i", source, "-frames:v", frames.ToString(CultureInfo.InvariantCulture)]
            : ["-f", "lavfi", "-i", source, "-vf", filter, "-fps_mode", "passthrough", "-frames:v", frames.ToString(CultureInfo.InvariantCulture)];
}
