using System.Globalization;
using System.Text;

namespace Moderation.Testing;

/// <summary>
/// PDQ test vectors: pictures ffmpeg generates deterministically (lossless PNG), each with the hash and quality Meta's
/// reference hasher (facebook/ThreatExchange pdq/cpp pdq-photo-hasher) gave it. Facts about the reference, recorded once
/// with <c>Moderation.Bench pdq-agreement --reference … --write-vectors</c>, so the suite checks agreement on a machine
/// without the reference.
/// </summary>
public static class PdqReferenceVectors
{
    /// <summary>The vectors file, in the repository.</summary>
    public static string FilePath => Path.Combine(RepoPaths.Root, "tests", "Moderation.Pdq.Tests", "Vectors", "pdq-reference-vectors.tsv");

    /// <summary>Reads the vectors (tab-separated: name, ffmpeg arguments, hex hash, quality; # starts a comment line).</summary>
    public static IReadOnlyList<PdqReferenceVector> Load(string? path = null)
    {
        var vectors = new List<PdqReferenceVector>();
        foreach (var line in File.ReadLines(path ?? FilePath))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new FormatException($"A vector line has 4 tab-separated fields, not {fields.Length}: {line}");
            }

            vectors.Add(new(fields[0], fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), fields[2],
                int.Parse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture)));
        }

        return vectors;
    }

    /// <summary>Rewrites the file with new reference results, keeping its comment lines.</summary>
    public static void Save(IReadOnlyList<PdqReferenceVector> vectors, string? path = null)
    {
        path ??= FilePath;
        var text = new StringBuilder();
        foreach (var line in File.ReadLines(path).Where(line => line.StartsWith('#')))
        {
            text.Append(line).Append('\n');
        }

        foreach (var vector in vectors)
        {
            text.Append(CultureInfo.InvariantCulture, $"{vector.Name}\t{string.Join(' ', vector.FfmpegArguments)}\t{vector.Pdq}\t{vector.Quality}\n");
        }

        File.WriteAllText(path, text.ToString());
    }
}

/// <summary>One picture: ffmpeg's arguments before the output file (always PNG), and the reference's hash and quality of it.</summary>
public sealed record PdqReferenceVector(string Name, IReadOnlyList<string> FfmpegArguments, string Pdq, int Quality)
{
    /// <summary>Generates the picture (cached under .data/test-media); returns its path.</summary>
    public Task<string> GenerateAsync() => TestMedia.GenerateAsync("png", [.. FfmpegArguments]);

    public override string ToString() => Name;
}
