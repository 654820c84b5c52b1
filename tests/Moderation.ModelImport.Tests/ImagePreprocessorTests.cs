using Moderation.Model;
using SkiaSharp;
using Xunit;

namespace Moderation.ModelImport.Tests;

public sealed class ImagePreprocessorTests
{
    private static ModelInput Input(int width, int height, string layout = "NHWC", string colorOrder = "RGB") =>
        new("input", width, height, 3, layout, colorOrder, ModelInput.ResizeBilinearAlignCorners, 1f / 255f, 0f);

    [Fact]
    public void Png_at_model_size_becomes_scaled_rgb_in_nhwc_order()
    {
        var png = Encode(Bitmap(2, 2, (x, y) => new SKColor((byte)(10 + x), (byte)(20 + y), 200, 255)), SKEncodedImageFormat.Png);
        var tensor = new float[12];

        new ImagePreprocessor(Input(2, 2)).Preprocess(png, tensor);

        // nsfwjs divides by 255 (in double, stored as float32).
        Assert.Equal(new[] { 10, 20, 200, 11, 20, 200, 10, 21, 200, 11, 21, 200 }.Select(v => (float)(v / 255.0)), tensor);
    }

    [Fact]
    public void Nchw_layout_and_bgr_order_follow_the_manifest()
    {
        var png = Encode(Bitmap(2, 1, (x, _) => x == 0 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255)), SKEncodedImageFormat.Png);
        var tensor = new float[6];

        new ImagePreprocessor(Input(2, 1, "NCHW", "BGR")).Preprocess(png, tensor);

        // Planes B, G, R; pixel 0 red, pixel 1 blue.
        Assert.Equal([0f, 1f, 0f, 0f, 1f, 0f], tensor);
    }

    /// <summary>tf.image.resizeBilinear(alignCorners: true): corners map onto corners, the centre averages its neighbours.</summary>
    [Fact]
    public void Resize_aligns_corners_and_interpolates_bilinearly()
    {
        byte[] values = [0, 60, 120, 240];
        var png = Encode(Bitmap(2, 2, (x, y) => Grey(values[y * 2 + x])), SKEncodedImageFormat.Png);
        var tensor = new float[27];

        new ImagePreprocessor(new ModelInput("input", 3, 3, 3, "NHWC", "RGB", ModelInput.ResizeBilinearAlignCorners, 1f, 0f)).Preprocess(png, tensor);

        float[] expected = [0, 30, 60, 60, 105, 150, 120, 180, 240];
        Assert.Equal(expected, tensor.Where((_, i) => i % 3 == 0));
    }

    [Fact]
    public void Exif_orientation_is_applied_before_resizing()
    {
        // Stored 64×32, left half red and right half blue; orientation 6 displays it rotated 90° clockwise (32×64, red on top).
        var stored = Encode(Bitmap(64, 32, (x, _) => x < 32 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255)), SKEncodedImageFormat.Jpeg);
        var jpeg = WithExifOrientation(stored, 6);
        var tensor = new float[3 * 2 * 3];

        new ImagePreprocessor(Input(3, 2)).Preprocess(jpeg, tensor);

        // Output 3 wide × 2 high of the upright 32×64 picture: top row red, bottom row blue.
        for (var x = 0; x < 3; x++)
        {
            Assert.True(tensor[x * 3] > 0.9f && tensor[x * 3 + 2] < 0.1f, $"top pixel {x} should be red");
            Assert.True(tensor[9 + x * 3] < 0.1f && tensor[9 + x * 3 + 2] > 0.9f, $"bottom pixel {x} should be blue");
        }
    }

    [Fact]
    public void Truncated_jpeg_is_refused()
    {
        var jpeg = Encode(Bitmap(64, 64, (x, y) => new SKColor((byte)(x * 4), (byte)(y * 4), 9)), SKEncodedImageFormat.Jpeg);

        var exception = Assert.Throws<ImageDecodeException>(() => new ImagePreprocessor(Input(8, 8)).Preprocess(jpeg.AsSpan(0, jpeg.Length / 2), new float[192]));

        Assert.Contains("IncompleteInput", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_no_image_are_refused()
    {
        var preprocessor = new ImagePreprocessor(Input(8, 8));

        Assert.Throws<ImageDecodeException>(() => preprocessor.Preprocess("%PDF-1.7 not an image"u8, new float[192]));
        Assert.Throws<ImageDecodeException>(() => preprocessor.Preprocess([], new float[192]));
    }

    [Fact]
    public void Image_above_the_pixel_limit_is_refused_before_decoding()
    {
        var png = Encode(Bitmap(100, 100, (_, _) => SKColors.White), SKEncodedImageFormat.Png);

        var exception = Assert.Throws<ImageDecodeException>(() => new ImagePreprocessor(Input(8, 8), maxSourcePixels: 9_999).Preprocess(png, new float[192]));

        Assert.Contains("100×100", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destination_of_the_wrong_size_and_unsupported_manifests_are_refused()
    {
        var png = Encode(Bitmap(4, 4, (_, _) => SKColors.White), SKEncodedImageFormat.Png);

        Assert.Throws<ArgumentException>(() => new ImagePreprocessor(Input(8, 8)).Preprocess(png, new float[191]));
        Assert.Throws<NotSupportedException>(() => new ImagePreprocessor(Input(8, 8) with { Resize = "lanczos" }));
        Assert.Throws<NotSupportedException>(() => new ImagePreprocessor(Input(8, 8) with { Layout = "NWHC" }));
        Assert.Throws<NotSupportedException>(() => new ImagePreprocessor(Input(8, 8) with { Channels = 1 }));
    }

    private static SKColor Grey(byte value) => new(value, value, value);

    private static SKBitmap Bitmap(int width, int height, Func<int, int, SKColor> color)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        return bitmap;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using (bitmap)
        {
            using var data = bitmap.Encode(format, 95);
            return data.ToArray();
        }
    }

    /// <summary>Inserts a minimal EXIF APP1 segment (little-endian TIFF, one IFD entry: Orientation) after the JPEG SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0,
            1, 0,
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0,
            0, 0, 0, 0,
        ];
        byte[] header = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        var length = 2 + header.Length + tiff.Length;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. header, .. tiff];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }
}
