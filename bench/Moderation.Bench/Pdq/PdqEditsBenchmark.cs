using System.Globalization;
using Moderation.Pdq;
using Moderation.Testing;
using SkiaSharp;

namespace Moderation.Bench.Pdq;

/// <summary>
/// PDQ's robustness to edits, as a bank would see it: each original (a generated test picture or a gnome-backgrounds
/// photo with quality >= 50, saved as a high-quality JPEG as uploads usually are) against copies edited with ffmpeg or
/// Skia. A copy matches when its hash, or one of its eight dihedral hashes as the index's orientation-aware query uses,
/// lies within 31 bits of the original's; a copy whose quality falls below 50 is not matched at all, as the service
/// treats it. Also counts matches between unrelated originals (false positives).
/// <code>dotnet run -c Release --project bench/Moderation.Bench -- pdq-edits [--skip-photos]</code>
/// </summary>
public static class PdqEditsBenchmark
{
    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    /// <summary>The edits: a name, whether PDQ is expected to survive it, and how to make the copy.</summary>
    private static readonly (string Name, bool Expected, Func<string, Task<byte[]>> Make)[] Edits =
    [
        ("resized to 50%", true, original => FfmpegAsync(original, "scale=trunc(iw/2):trunc(ih/2)")),
        ("re-encoded as JPEG quality 30", true, original => Task.FromResult(Reencode(original, SKEncodedImageFormat.Jpeg, 30))),
        ("brightened (+0.1, ffmpeg eq)", true, original => FfmpegAsync(original, "eq=brightness=0.1")),
        ("converted to PNG", true, original => Task.FromResult(Reencode(original, SKEncodedImageFormat.Png, 100))),
        ("mirrored (left-right)", true, original => FfmpegAsync(original, "hflip")),
        ("cropped 2% (1% off each edge)", false, original => FfmpegAsync(original, "crop=trunc(iw*0.98):trunc(ih*0.98)")),
        ("padded 5% (black, 2.5% each side)", false, original => FfmpegAsync(original, "pad=trunc(iw*1.05):trunc(ih*1.05):(ow-iw)/2:(oh-ih)/2:black")),
        ("rotated 5 degrees (black corners)", false, original => FfmpegAsync(original, "rotate=5*PI/180:fillcolor=black")),
        ("text overlay (caption, 1/8 of the height)", false, original => FfmpegAsync(original,
            $"drawtext=fontfile={Font}:text='SAMPLE CAPTION':fontsize=h/8:fontcolor=white:borderw=3:bordercolor=black:x=(w-tw)/2:y=h-th-h/12")),
    ];

    public static async Task<int> RunAsync(PdqEditsSettings settings)
    {
        // Each source picture with the name it is reported by.
        var sets = new List<(string Name, List<(string Path, string Label)> Sources)>
        {
            ("generated pictures (test vectors of quality >= 50)",
                [.. (await PdqPictures.GeneratedAsync()).Where(g => g.Vector.Quality >= PdqHash.MinUsefulQuality).Select(g => (g.Path, g.Vector.Name))]),
        };
        if (!settings.SkipPhotos)
        {
            sets.Add(($"photos ({PdqPictures.PhotoDirectory})", [.. PdqPictures.Photos().Select(p => (p, Path.GetFileName(p)))]));
        }

        var failures = 0;
        var everyOriginal = new List<(string Path, PdqResult Hash, string Label)>();
        foreach (var (setName, sources) in sets)
        {
            var originals = new List<(string Path, PdqResult Hash, string Label)>();
            foreach (var (source, label) in sources)
            {
                var jpeg = await TestMedia.GenerateAsync("jpg", "-i", source, "-frames:v", "1", "-q:v", "2");
                var hash = PdqHasher.Hash(await File.ReadAllBytesAsync(jpeg));
                if (hash.IsUseful)
                {
                    originals.Add((jpeg, hash, label));
                }
            }

            everyOriginal.AddRange(originals);
            Console.WriteLine($"{setName}: {originals.Count} originals of quality >= {PdqHash.MinUsefulQuality} (of {sources.Count}), each saved as a JPEG (ffmpeg -q:v 2); match: distance <= {PdqHash.DefaultMatchDistance}");
            Console.WriteLine();
            Console.WriteLine("| edit | expected to match | matched (plain hash) | matched (8 orientations) | median distance | max distance | quality fell below 50 |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            var misses = new List<string>();
            foreach (var (name, expected, make) in Edits)
            {
                var plain = 0;
                var oriented = 0;
                var lowQuality = 0;
                var distances = new List<int>();
                foreach (var (path, original, label) in originals)
                {
                    var copy = PdqHasher.HashWithDihedrals(await make(path));
                    var plainDistance = copy.Original.Distance(original.Hash);
                    var distance = copy.Hashes.Min(h => h.Distance(original.Hash));
                    distances.Add(distance);
                    if (!copy.IsUseful)
                    {
                        lowQuality++;
                    }
                    else
                    {
                        plain += plainDistance <= PdqHash.DefaultMatchDistance ? 1 : 0;
                        oriented += distance <= PdqHash.DefaultMatchDistance ? 1 : 0;
                    }

                    if (expected && (!copy.IsUseful || distance > PdqHash.DefaultMatchDistance))
                    {
                        misses.Add($"  not matched after {name}: {label}, {distance} bits, quality {copy.Quality}");
                    }
                }

                distances.Sort();
                failures += expected && oriented < originals.Count ? 1 : 0;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {(expected ? "yes" : "no")} | {plain}/{originals.Count} ({100.0 * plain / originals.Count:0}%) | {oriented}/{originals.Count} ({100.0 * oriented / originals.Count:0}%) | {distances[distances.Count / 2]} | {distances[^1]} | {lowQuality} |"));
            }

            Console.WriteLine();
            foreach (var miss in misses)
            {
                Console.WriteLine(miss);
            }

            Console.WriteLine();
        }

        var pairs = 0;
        var close = new List<string>();
        var nearest = int.MaxValue;
        var dihedrals = everyOriginal.Select(o => PdqHasher.HashWithDihedrals(File.ReadAllBytes(o.Path))).ToList();
        for (var i = 0; i < everyOriginal.Count; i++)
        {
            for (var j = i + 1; j < everyOriginal.Count; j++)
            {
                var distance = dihedrals[j].Hashes.Min(h => h.Distance(everyOriginal[i].Hash.Hash));
                nearest = Math.Min(nearest, distance);
                if (distance <= PdqHash.DefaultMatchDistance)
                {
                    close.Add($"  {everyOriginal[i].Label} and {everyOriginal[j].Label}: {distance} bits");
                }

                pairs++;
            }
        }

        Console.WriteLine($"different originals: {close.Count} of {pairs} pairs within {PdqHash.DefaultMatchDistance} bits in any orientation (nearest pair: {nearest} bits)");
        foreach (var pair in close)
        {
            Console.WriteLine(pair);
        }
        return failures == 0 ? 0 : 1;
    }

    private static async Task<byte[]> FfmpegAsync(string original, string filter) =>
        await File.ReadAllBytesAsync(await TestMedia.GenerateAsync("png", "-i", original, "-vf", filter, "-frames:v", "1"));

    private static byte[] Reencode(string original, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = SKBitmap.Decode(original);
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }
}
