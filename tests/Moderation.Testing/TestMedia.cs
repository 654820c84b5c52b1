using System.Security.Cryptography;
using System.Text;

namespace Moderation.Testing;

/// <summary>
/// Safe-for-work media generated with ffmpeg (test patterns, colours, text) or taken from Debian's SFW picture packages.
/// Generated files are cached under .data/test-media by a hash of their ffmpeg arguments.
/// </summary>
public static class TestMedia
{
    public static string CacheDirectory { get; } = Path.Combine(RepoPaths.Data, "test-media");

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> writing to a cached file with the given extension; returns its path.</summary>
    public static async Task<string> GenerateAsync(string extension, params string[] arguments)
    {
        Directory.CreateDirectory(CacheDirectory);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', arguments))))[..16];
        var path = Path.Combine(CacheDirectory, $"{key}.{extension}");
        if (File.Exists(path))
        {
            return path;
        }

        var temporary = Path.Combine(CacheDirectory, $"{key}.{Guid.NewGuid():N}.partial.{extension}");
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. arguments, temporary], TimeSpan.FromMinutes(10));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>A still JPEG of ffmpeg's testsrc2 pattern.</summary>
    public static Task<string> JpegAsync(int width = 640, int height = 480) =>
        GenerateAsync("jpg", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}", "-frames:v", "1", "-q:v", "3");

    /// <summary>A PNG of a plain colour.</summary>
    public static Task<string> PngAsync(string color = "steelblue", int width = 320, int height = 240) =>
        GenerateAsync("png", "-f", "lavfi", "-i", $"color=c={color}:size={width}x{height}", "-frames:v", "1");

    /// <summary>A single-frame still of testsrc2 in the format named by its extension (jpg, png, webp, bmp, gif).</summary>
    public static Task<string> StillAsync(string extension, int width = 640, int height = 480) =>
        GenerateAsync(extension, ["-f", "lavfi", "-i", $"testsrc2=size={width}x{height}", "-frames:v", "1", .. extension switch
        {
            "jpg" => new[] { "-q:v", "3" },
            "webp" => ["-c:v", "libwebp", "-quality", "90"],
            "gif" => ["-c:v", "gif"],
            _ => [],
        }]);

    /// <summary>An H.264 MP4 of testsrc2 with a keyframe every <paramref name="keyframeSeconds"/>.</summary>
    public static Task<string> VideoAsync(double seconds, int width = 320, int height = 240, int fps = 10, int keyframeSeconds = 2) =>
        GenerateAsync("mp4", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate={fps}", "-t", Format(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", (fps * keyframeSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>An animated GIF of testsrc.</summary>
    public static Task<string> GifAsync(double seconds = 3, int width = 160, int height = 120, int fps = 5) =>
        GenerateAsync("gif", "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate={fps}", "-t", Format(seconds));

    /// <summary>
    /// The file with bytes of its own appended (after a JPEG's end of image, or as an MP4 <c>free</c> box), so no other
    /// test that generated the same picture or video can make ingest answer it as a duplicate.
    /// </summary>
    public static string UniqueCopy(string file)
    {
        var unique = Guid.NewGuid().ToByteArray();
        byte[] trailer = file.EndsWith(".mp4", StringComparison.Ordinal)
            ? [0, 0, 0, (byte)(8 + unique.Length), (byte)'f', (byte)'r', (byte)'e', (byte)'e', .. unique]
            : unique;
        var copy = Path.Combine(Directory.CreateTempSubdirectory("unique-media-").FullName, Path.GetFileName(file));
        File.WriteAllBytes(copy, [.. File.ReadAllBytes(file), .. trailer]);
        return copy;
    }

    /// <summary>The first <paramref name="fraction"/> of a file's bytes, e.g. a truncated MP4.</summary>
    public static async Task<string> TruncatedAsync(string source, double fraction = 0.3)
    {
        var path = Path.Combine(CacheDirectory, $"truncated-{fraction:0.00}-{Path.GetFileName(source)}");
        if (!File.Exists(path))
        {
            var bytes = await File.ReadAllBytesAsync(source);
            await File.WriteAllBytesAsync(path, bytes[..(int)(bytes.Length * fraction)]);
        }

        return path;
    }

    private const string OpenClipArt = "/usr/share/openclipart/png";

    /// <summary>SFW clip art from Debian's openclipart-png (scores high on the model's Drawing class).</summary>
    public static IReadOnlyList<string> ClipArt(int count) => Pictures(OpenClipArt, count);

    /// <summary>Clip art of one openclipart-png category (e.g. <c>animals</c>, <c>people</c>: drawings rather than icons or flags).</summary>
    public static IReadOnlyList<string> ClipArt(int count, string category) => Pictures(Path.Combine(OpenClipArt, category), count);

    /// <summary>One openclipart-png picture by its path under the package's folder.</summary>
    public static string ClipArtFile(string relativePath)
    {
        var path = Path.Combine(OpenClipArt, relativePath);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: install Debian's openclipart-png (scripts/test does).");
    }

    /// <summary>SFW photographs and renderings from Debian's gnome-backgrounds (WebP files).</summary>
    public static IReadOnlyList<string> Photos(int count) => Pictures("/usr/share/backgrounds", count);

    /// <summary><see cref="Photos"/> converted to JPEG no wider than <paramref name="maxWidth"/> (cached).</summary>
    public static async Task<IReadOnlyList<string>> PhotoJpegsAsync(int count, int maxWidth = 1024)
    {
        var jpegs = new List<string>();
        foreach (var photo in Photos(count))
        {
            jpegs.Add(await GenerateAsync("jpg", "-i", photo, "-vf", $"scale='min({maxWidth},iw)':-2", "-frames:v", "1", "-q:v", "3"));
        }

        return jpegs;
    }

    private static List<string> Pictures(string root, int count)
    {
        if (!Directory.Exists(root))
        {
            throw new InvalidOperationException($"{root} is missing: install the Debian package (scripts/test does).");
        }

        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".webp")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count < count)
        {
            throw new InvalidOperationException($"{root} holds only {files.Count} pictures; {count} wanted.");
        }

        // Spread the picks over the sorted list so they differ in subject, deterministically.
        return Enumerable.Range(0, count).Select(i => files[i * files.Count / count]).ToList();
    }

    private static string Format(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
