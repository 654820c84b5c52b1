using Moderation.Testing;

namespace Moderation.Bench.Pdq;

/// <summary>The pictures the PDQ benchmarks run on: the generated test vectors and the photos Debian packages install.</summary>
internal static class PdqPictures
{
    public const string PhotoDirectory = "/usr/share/backgrounds";

    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    /// <summary>Every picture under <paramref name="directory"/>, in a stable order.</summary>
    public static List<string> In(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)];

    /// <summary>The photos (gnome-backgrounds' WebP renderings and photographs), or none when the package is absent.</summary>
    public static List<string> Photos() => Directory.Exists(PhotoDirectory) ? In(PhotoDirectory) : [];

    /// <summary>The test vectors' pictures, generated (cached) with ffmpeg.</summary>
    public static async Task<List<(PdqReferenceVector Vector, string Path)>> GeneratedAsync()
    {
        var pictures = new List<(PdqReferenceVector, string)>();
        foreach (var vector in PdqReferenceVectors.Load())
        {
            pictures.Add((vector, await vector.GenerateAsync()));
        }

        return pictures;
    }
}
