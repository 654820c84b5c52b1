using Moderation.Classifier.Inference;
using SkiaSharp;

namespace Moderation.Classifier.Tests;

/// <summary>How a class activation map becomes the heatmap PNG stored beside a frame.</summary>
public sealed class HeatmapRenderingTests
{
    [Fact]
    public void The_positive_part_of_one_class_map_is_drawn_opaque_where_it_peaks_and_clear_where_it_is_cold()
    {
        // A 7 × 7 grid of two classes: class 1 peaks at row 1, column 5; class 0 is the negative of it.
        const int Grid = 7;
        var activations = new float[Grid * Grid * 2];
        for (var cell = 0; cell < Grid * Grid; cell++)
        {
            var (row, column) = (cell / Grid, cell % Grid);
            var value = 10f - ((row - 1) * (row - 1)) - ((column - 5) * (column - 5));
            activations[(cell * 2) + 1] = value;
            activations[cell * 2] = -value;
        }

        using var bitmap = SKBitmap.Decode(HeatmapWriter.Render(activations, Grid, Grid, 2, classIndex: 1));

        Assert.Equal((Grid * HeatmapWriter.CellPixels, Grid * HeatmapWriter.CellPixels), (bitmap.Width, bitmap.Height));
        var peak = bitmap.GetPixel((5 * HeatmapWriter.CellPixels) + 8, (1 * HeatmapWriter.CellPixels) + 8);
        var cold = bitmap.GetPixel(8, (6 * HeatmapWriter.CellPixels) + 8);
        Assert.Equal((255, 0), (peak.Red, peak.Blue));
        Assert.InRange(peak.Green, 245, 255);
        Assert.InRange(peak.Alpha, 195, 200);
        Assert.Equal(0, cold.Alpha);

        // Where the class has no positive evidence at all, the map is clear everywhere.
        using var negative = SKBitmap.Decode(HeatmapWriter.Render(new float[Grid * Grid * 2].Select(_ => -1f).ToArray(), Grid, Grid, 2, 0));
        Assert.All(Enumerable.Range(0, negative.Height).SelectMany(y => Enumerable.Range(0, negative.Width).Select(x => negative.GetPixel(x, y).Alpha)),
            alpha => Assert.Equal(0, alpha));
    }
}
