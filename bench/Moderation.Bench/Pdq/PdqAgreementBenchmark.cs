using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Moderation.Pdq;
using Moderation.Testing;
using SkiaSharp;

namespace Moderation.Bench.Pdq;

/// <summary>
/// Agreement of our PDQ hasher with Meta's reference <c>pdq-photo-hasher</c> (facebook/ThreatExchange pdq/cpp, built
/// outside this repository): per picture set, how many hashes are identical, the largest Hamming distance and the
/// largest quality difference (the issue's bar: at most 4 bits and ±5). Sets: the generated test vectors (the recorded
/// reference results stand in when --reference is absent), gnome-backgrounds' photos as shipped (WebP) and as JPEG, and
/// any --pictures directory. Also times our hash of each already decoded picture.
/// <code>dotnet run -c Release --project bench/Moderation.Bench -- pdq-agreement --reference /path/to/pdq-photo-hasher [--pictures dir]... [--skip-photos] [--write-vectors] [--repeats 20]</code>
/// </summary>
public static partial class PdqAgreementBenchmark
{
    private const int MaxDistance = 4;
    private const int MaxQualityDelta = 5;

    public static async Task<int> RunAsync(PdqAgreementSettings settings)
    {
        var sets = new List<(string Name, List<Picture> Pictures)>();
        var generated = await PdqPictures.GeneratedAsync();
        var generatedPictures = generated.Select(g => new Picture(g.Path, g.Vector.Name)).ToList();
        if (settings.Reference is null)
        {
            foreach (var (picture, (vector, _)) in generatedPictures.Zip(generated))
            {
                picture.Reference = (PdqHash.Parse(vector.Pdq), vector.Quality);
            }
        }

        sets.Add(("generated (test vectors, lossless PNG)", generatedPictures));
        if (settings.Reference is not null)
        {
            if (!settings.SkipPhotos)
            {
                var photos = PdqPictures.Photos();
                sets.Add(($"photos ({PdqPictures.PhotoDirectory}, as shipped)", [.. photos.Select(p => new Picture(p, Path.GetFileName(p)))]));
                var jpegs = new List<Picture>();
                foreach (var photo in photos)
                {
                    jpegs.Add(new(await TestMedia.GenerateAsync("jpg", "-i", photo, "-frames:v", "1", "-q:v", "3"), Path.GetFileNameWithoutExtension(photo) + ".jpg"));
                }

                sets.Add(("the same photos as JPEG (ffmpeg -q:v 3)", jpegs));
            }

            foreach (var directory in settings.Pictures)
            {
                sets.Add((directory.FullName, [.. PdqPictures.In(directory.FullName).Select(p => new Picture(p, Path.GetRelativePath(directory.FullName, p)))]));
            }

            foreach (var (_, pictures) in sets)
            {
                await HashWithReferenceAsync(settings.Reference.FullName, pictures);
            }
        }

        var timings = new List<(bool Shrunk, double Wall, double Cpu)>();
        foreach (var (_, pictures) in sets)
        {
            foreach (var picture in pictures)
            {
                HashOurs(picture, settings.Repeats, timings);
            }
        }

        var pass = true;
        Console.WriteLine("| pictures | count | identical hashes | max distance (bits) | max quality difference | within 4 bits / ±5 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, pictures) in sets)
        {
            var compared = pictures.Where(p => p.Reference is not null && p.Ours is not null).ToList();
            var distances = compared.Select(p => p.Ours!.Value.Hash.Distance(p.Reference!.Value.Hash)).ToList();
            var qualityDeltas = compared.Select(p => Math.Abs(p.Ours!.Value.Quality - p.Reference!.Value.Quality)).ToList();
            var within = compared.Count(p => p.Ours!.Value.Hash.Distance(p.Reference!.Value.Hash) <= MaxDistance
                && Math.Abs(p.Ours!.Value.Quality - p.Reference!.Value.Quality) <= MaxQualityDelta);
            pass &= within == compared.Count && compared.Count == pictures.Count;
            Console.WriteLine($"| {name} | {compared.Count} of {pictures.Count} | {distances.Count(d => d == 0)} | {(distances.Count > 0 ? distances.Max() : 0)} | "
                + $"{(qualityDeltas.Count > 0 ? qualityDeltas.Max() : 0)} | {within} |");
        }

        Console.WriteLine();
        foreach (var picture in sets.SelectMany(s => s.Pictures))
        {
            if (picture.Ours is null || picture.Reference is null)
            {
                Console.WriteLine($"  {picture.Name}: {(picture.Ours is null ? "we could not decode it" : "the reference could not decode it")}");
            }
            else if (picture.Ours.Value.Hash != picture.Reference.Value.Hash || picture.Ours.Value.Quality != picture.Reference.Value.Quality)
            {
                Console.WriteLine($"  {picture.Name}: {picture.Ours.Value.Hash.Distance(picture.Reference.Value.Hash)} bits apart, "
                    + $"quality {picture.Ours.Value.Quality} vs the reference's {picture.Reference.Value.Quality}");
            }
        }

        // CPU time as well as wall time: on a shared machine the wall clock also counts the time other processes had the core.
        foreach (var group in timings.GroupBy(t => t.Shrunk).OrderBy(g => g.Key))
        {
            var wall = group.Select(t => t.Wall).Order().ToList();
            var cpu = group.Select(t => t.Cpu).Order().ToList();
            Console.WriteLine($"hash after decode, {(group.Key ? "pictures over 512 px (shrunk to 512x512 first)" : "pictures up to 512 px")}, {wall.Count} pictures, "
                + $"{settings.Repeats} runs each, one thread: wall mean {wall.Average():0.000} ms, median {wall[wall.Count / 2]:0.000}, max {wall[^1]:0.000}; "
                + $"CPU mean {cpu.Average():0.000} ms, median {cpu[cpu.Count / 2]:0.000}, max {cpu[^1]:0.000}");
        }

        if (settings.WriteVectors)
        {
            PdqReferenceVectors.Save([.. generated.Zip(generatedPictures, (g, p) => g.Vector with
            {
                Pdq = p.Reference!.Value.Hash.ToHex(),
                Quality = p.Reference.Value.Quality,
            })]);
            Console.WriteLine($"recorded the reference's results in {PdqReferenceVectors.FilePath}");
        }

        Console.WriteLine(pass ? "PASS: every picture within 4 bits and ±5 quality of the reference" : "FAIL");
        return pass ? 0 : 1;
    }

    private static void HashOurs(Picture picture, int repeats, List<(bool Shrunk, double Wall, double Cpu)> timings)
    {
        var bytes = File.ReadAllBytes(picture.Path);
        try
        {
            picture.Ours = PdqHasher.Hash(bytes);
        }
        catch (Model.ImageDecodeException)
        {
            return;
        }

        using var bitmap = SKBitmap.Decode(bytes);
        if (bitmap is null)
        {
            return;
        }

        PdqHasher.Hash(bitmap);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < repeats; i++)
        {
            PdqHasher.Hash(bitmap);
        }

        var wall = clock.Elapsed.TotalMilliseconds / repeats;
        timings.Add((bitmap.Width > 512 || bitmap.Height > 512, wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / repeats));
    }

    /// <summary>Runs the reference on every picture of a set (it prints <c>hash,quality,path</c> per picture it can decode).</summary>
    private static async Task HashWithReferenceAsync(string reference, List<Picture> pictures)
    {
        // -k: go on after a picture it cannot decode (and exit 1 at the end); its decoder's warnings go to stderr.
        var info = new ProcessStartInfo(reference) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-k");
        foreach (var picture in pictures)
        {
            info.ArgumentList.Add(picture.Path);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {reference}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await stderr;
        await process.WaitForExitAsync();
        var byPath = pictures.ToDictionary(p => p.Path);
        foreach (Match line in ReferenceLine().Matches(output))
        {
            if (byPath.TryGetValue(line.Groups["path"].Value.TrimEnd('\r'), out var picture))
            {
                picture.Reference = (PdqHash.Parse(line.Groups["hash"].Value), int.Parse(line.Groups["quality"].Value, CultureInfo.InvariantCulture));
            }
        }
    }

    [GeneratedRegex("^(?<hash>[0-9a-f]{64}),(?<quality>[0-9]+),(?<path>.+)$", RegexOptions.Multiline)]
    private static partial Regex ReferenceLine();

    private sealed class Picture(string path, string name)
    {
        public string Path { get; } = path;

        public string Name { get; } = name;

        public PdqResult? Ours { get; set; }

        public (PdqHash Hash, int Quality)? Reference { get; set; }
    }
}
