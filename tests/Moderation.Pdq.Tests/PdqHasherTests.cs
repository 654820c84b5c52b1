using Moderation.Testing;
using SkiaSharp;

namespace Moderation.Pdq.Tests;

public class PdqHasherTests
{
    [Fact]
    public async Task A_generated_picture_hashes_as_the_reference_hasher_does()
    {
        // facebook/ThreatExchange pdq-photo-hasher on the same PNG: cd53cd7b...,100.
        var png = await TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1");

        var result = PdqHasher.Hash(await File.ReadAllBytesAsync(png));

        Assert.Equal("cd53cd7b46a922fd33f4315a11fa48b46cf4a4589668da3037115b34bf02bec9", result.Hash.ToHex());
        Assert.Equal(100, result.Quality);
        Assert.True(result.IsUseful);
    }

    [Theory]
    [InlineData(PdqDihedral.Rotate90)]
    [InlineData(PdqDihedral.Rotate180)]
    [InlineData(PdqDihedral.Rotate270)]
    [InlineData(PdqDihedral.FlipX)]
    [InlineData(PdqDihedral.FlipY)]
    [InlineData(PdqDihedral.FlipPlus1)]
    [InlineData(PdqDihedral.FlipMinus1)]
    public async Task Each_dihedral_hash_is_the_hash_of_the_transformed_picture(PdqDihedral orientation)
    {
        var png = await TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "testsrc2=size=360x300", "-frames:v", "1");
        using var bitmap = SKBitmap.Decode(png);
        var (pixels, width, height) = Transform(bitmap, orientation);

        var dihedrals = PdqHasher.HashWithDihedrals(bitmap);
        var transformed = PdqHasher.Hash(pixels, width, height, width * 4, PdqPixelFormat.Bgra8888);

        Assert.Equal(PdqHasher.Hash(bitmap).Hash, dihedrals.Original);
        // Not bit for bit (running sums accumulate in the other direction), but close: at 360×300 the box filters have
        // odd windows and the 64×64 decimation samples mirror-symmetric pixels, so no half-pixel shift separates them.
        Assert.InRange(transformed.Hash.Distance(dihedrals[orientation]), 0, 8);
        Assert.InRange(transformed.Hash.Distance(dihedrals.Original), 64, 256);
    }

    [Fact]
    public async Task Exif_orientation_is_ignored_as_the_reference_does_unless_the_displayed_picture_is_asked_for()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.GenerateAsync("jpg", "-f", "lavfi", "-i", "mandelbrot=size=400x300", "-frames:v", "1", "-q:v", "2"));
        var sideways = WithExifOrientation(jpeg, 6); // displayed rotated 90° clockwise

        var upright = PdqHasher.HashWithDihedrals(jpeg);
        var stored = PdqHasher.Hash(sideways);
        var displayed = PdqHasher.Hash(sideways, PdqOrientation.Displayed);

        Assert.Equal(upright.Original, stored.Hash);
        Assert.InRange(displayed.Hash.Distance(upright[PdqDihedral.Rotate270]), 0, 8);
        Assert.InRange(displayed.Hash.Distance(upright.Original), 64, 256);
    }

    [Fact]
    public async Task A_flat_picture_has_no_useful_hash()
    {
        var png = await TestMedia.PngAsync("steelblue", 320, 240);

        var result = PdqHasher.Hash(await File.ReadAllBytesAsync(png));

        Assert.Equal(0, result.Quality);
        Assert.False(result.IsUseful);
    }

    [Fact]
    public void A_picture_under_five_pixels_on_a_side_hashes_to_zero_with_quality_zero()
    {
        var pixels = new byte[4 * 100];
        Random.Shared.NextBytes(pixels);

        var result = PdqHasher.Hash(pixels, 4, 100, 4, PdqPixelFormat.Gray8);

        Assert.Equal(default, result.Hash);
        Assert.Equal(0, result.Quality);
    }

    [Fact]
    public void Bytes_that_are_no_picture_are_refused()
    {
        Assert.Throws<Moderation.Model.ImageDecodeException>(() => PdqHasher.Hash("not a picture"u8));
    }

    /// <summary>The bitmap's BGRA pixels as the picture would be stored in the given orientation.</summary>
    private static (byte[] Pixels, int Width, int Height) Transform(SKBitmap bitmap, PdqDihedral orientation)
    {
        using var bgra = bitmap.Copy(SKColorType.Bgra8888);
        int w = bgra.Width, h = bgra.Height;
        var swap = orientation is PdqDihedral.Rotate90 or PdqDihedral.Rotate270 or PdqDihedral.FlipPlus1 or PdqDihedral.FlipMinus1;
        int outWidth = swap ? h : w, outHeight = swap ? w : h;
        var output = new byte[outWidth * outHeight * 4];
        var input = bgra.GetPixelSpan();
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                // Source pixel shown at (x, y) of the transformed picture.
                var (sx, sy) = orientation switch
                {
                    PdqDihedral.Rotate90 => (w - 1 - y, x),
                    PdqDihedral.Rotate180 => (w - 1 - x, h - 1 - y),
                    PdqDihedral.Rotate270 => (y, h - 1 - x),
                    PdqDihedral.FlipX => (x, h - 1 - y),
                    PdqDihedral.FlipY => (w - 1 - x, y),
                    PdqDihedral.FlipPlus1 => (y, x),
                    PdqDihedral.FlipMinus1 => (w - 1 - y, h - 1 - x),
                    _ => (x, y),
                };
                input.Slice(sy * bgra.RowBytes + sx * 4, 4).CopyTo(output.AsSpan((y * outWidth + x) * 4, 4));
            }
        }

        return (output, outWidth, outHeight);
    }

    /// <summary>The JPEG with an EXIF segment (APP1) holding only the given orientation tag, right after its start marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] exif =
        [
            .. "Exif\0\0"u8,
            .. "MM\0\u002a"u8, 0, 0, 0, 8, // big-endian TIFF header, first directory at offset 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next directory
        ];
        var length = exif.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif, .. jpeg.AsSpan(2)];
    }
}
