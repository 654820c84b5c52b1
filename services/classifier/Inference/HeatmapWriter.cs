using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Model;
using SkiaSharp;

namespace Moderation.Classifier.Inference;

/// <summary>
/// Stores class activation maps as small heatmap PNGs beside the frame (<see cref="BlobStorageExtensions.HeatmapKey"/>),
/// for the classes a reviewer may need to see located (<see cref="ClassifierOptions.HeatmapClasses"/>) that the frame
/// scores at least <see cref="ClassifierOptions.HeatmapMinScore"/>.
/// </summary>
public sealed class HeatmapWriter(IBlobStore blobs, IOptions<ClassifierOptions> options)
{
    /// <summary>Pixels per cell of the model's grid: a 7 × 7 map becomes 112 × 112, smooth enough to overlay at any size.</summary>
    public const int CellPixels = 16;

    private readonly HashSet<string> classes = new(
        options.Value.HeatmapClasses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    /// <summary>The frame's heatmaps to store: one PNG per class it needs one for; none when the model has no maps.</summary>
    /// <param name="activations">The frame's maps, height × width × classes (classes last, in <paramref name="classNames"/> order).</param>
    public IReadOnlyList<Heatmap> Render(IReadOnlyList<string> classNames, IReadOnlyDictionary<string, float> scores, ReadOnlySpan<float> activations,
        ClassActivationOutput? grid)
    {
        if (grid is null || activations.IsEmpty)
        {
            return [];
        }

        var heatmaps = new List<Heatmap>();
        for (var c = 0; c < classNames.Count; c++)
        {
            if (classes.Contains(classNames[c]) && scores.GetValueOrDefault(classNames[c]) >= options.Value.HeatmapMinScore)
            {
                heatmaps.Add(new Heatmap(classNames[c], Render(activations, grid.Height, grid.Width, classNames.Count, c)));
            }
        }

        return heatmaps;
    }

    /// <summary>
    /// Stores the frame's heatmaps beside it; returns their classes. When the frame's picture is a stored blob
    /// (<paramref name="pictureKey"/>), only while it is still there: a medium erased while its frames were queued for
    /// inference has lost them, and nothing about it may be written back (a heatmap written while the erasure ran is
    /// removed again).
    /// </summary>
    public async Task<IReadOnlyList<string>> StoreAsync(Guid mediaId, int frameIndex, IReadOnlyList<Heatmap> heatmaps, string? pictureKey, CancellationToken cancellationToken)
    {
        if (heatmaps.Count == 0 || (pictureKey is not null && !await blobs.ExistsAsync(pictureKey, cancellationToken)))
        {
            return [];
        }

        foreach (var heatmap in heatmaps)
        {
            await using var stream = new MemoryStream(heatmap.Png, writable: false);
            await blobs.PutAsync(BlobStorageExtensions.HeatmapKey(mediaId, frameIndex, heatmap.Class), stream, cancellationToken);
        }

        if (pictureKey is not null && !await blobs.ExistsAsync(pictureKey, cancellationToken))
        {
            foreach (var heatmap in heatmaps)
            {
                await blobs.DeleteAsync(BlobStorageExtensions.HeatmapKey(mediaId, frameIndex, heatmap.Class), cancellationToken);
            }

            return [];
        }

        return [.. heatmaps.Select(h => h.Class)];
    }

    /// <summary>
    /// One class's map as a PNG: the positive part (Grad-CAM's ReLU) scaled to its maximum, bilinearly upsampled, in a
    /// red-to-yellow ramp whose opacity follows the activation, so an overlay leaves cold regions clear.
    /// </summary>
    public static byte[] Render(ReadOnlySpan<float> activations, int height, int width, int classCount, int classIndex)
    {
        var map = new float[height * width];
        var peak = 0f;
        for (var i = 0; i < map.Length; i++)
        {
            var value = activations[i * classCount + classIndex];
            map[i] = float.IsFinite(value) && value > 0 ? value : 0;
            peak = Math.Max(peak, map[i]);
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width * CellPixels, height * CellPixels, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        for (var y = 0; y < bitmap.Height; y++)
        {
            var row = pixels.Slice(y * bitmap.RowBytes, bitmap.Width * 4);
            for (var x = 0; x < bitmap.Width; x++)
            {
                var level = peak > 0 ? Math.Clamp(Sample(map, height, width, (y + 0.5f) / CellPixels - 0.5f, (x + 0.5f) / CellPixels - 0.5f) / peak, 0, 1) : 0;

                // A red-to-yellow ramp whose opacity follows the activation.
                row[x * 4] = 255;
                row[x * 4 + 1] = (byte)(255 * level);
                row[x * 4 + 2] = 0;
                row[x * 4 + 3] = (byte)(200 * level);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static float Sample(float[] map, int height, int width, float row, float column)
    {
        row = Math.Clamp(row, 0, height - 1);
        column = Math.Clamp(column, 0, width - 1);
        var (r0, c0) = ((int)row, (int)column);
        var (r1, c1) = (Math.Min(r0 + 1, height - 1), Math.Min(c0 + 1, width - 1));
        var (fr, fc) = (row - r0, column - c0);
        var top = map[r0 * width + c0] * (1 - fc) + map[r0 * width + c1] * fc;
        var bottom = map[r1 * width + c0] * (1 - fc) + map[r1 * width + c1] * fc;
        return top * (1 - fr) + bottom * fr;
    }
}

/// <summary>One class's heatmap of a frame, encoded.</summary>
public sealed record Heatmap(string Class, byte[] Png);
