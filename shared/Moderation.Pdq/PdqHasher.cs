using Moderation.Model;
using SkiaSharp;

namespace Moderation.Pdq;

/// <summary>
/// PDQ hashes of pictures, as Meta's reference hasher computes them (see <see cref="PdqAlgorithm"/>), from encoded
/// files, decoded bitmaps or raw frames. Thread-safe; a call allocates only pooled buffers and Skia's decoder state.
/// </summary>
public static class PdqHasher
{
    /// <summary>Encoded pictures above this many pixels are refused before decoding (as the classifier's preprocessing does).</summary>
    public const long DefaultMaxSourcePixels = ImagePreprocessor.DefaultMaxSourcePixels;

    /// <summary>Hashes an encoded picture (JPEG, PNG, WebP, GIF's first frame, BMP: whatever Skia decodes).</summary>
    /// <param name="orientation">
    /// <see cref="PdqOrientation.Stored"/> (the default) hashes the stored pixels as the reference and every
    /// ThreatExchange/HMA list do; <see cref="PdqOrientation.Displayed"/> applies the EXIF orientation first.
    /// </param>
    /// <exception cref="ImageDecodeException">The bytes are not a complete picture Skia can decode, or it is too large.</exception>
    public static PdqResult Hash(ReadOnlySpan<byte> encoded, PdqOrientation orientation = PdqOrientation.Stored, long maxSourcePixels = DefaultMaxSourcePixels)
    {
        Span<PdqHash> hashes = stackalloc PdqHash[1];
        var quality = DecodeAndCompute(encoded, orientation, maxSourcePixels, hashes, dihedrals: false);
        return new(hashes[0], quality);
    }

    /// <summary>Hashes an encoded picture in all eight dihedral orientations (one DCT, no re-hashing).</summary>
    /// <inheritdoc cref="Hash(ReadOnlySpan{byte}, PdqOrientation, long)"/>
    public static PdqDihedralResult HashWithDihedrals(
        ReadOnlySpan<byte> encoded, PdqOrientation orientation = PdqOrientation.Stored, long maxSourcePixels = DefaultMaxSourcePixels)
    {
        var hashes = new PdqHash[8];
        var quality = DecodeAndCompute(encoded, orientation, maxSourcePixels, hashes, dihedrals: true);
        return new(hashes, quality);
    }

    /// <summary>Hashes a decoded bitmap as stored (a premultiplied bitmap with transparent parts hashes its premultiplied colours).</summary>
    public static PdqResult Hash(SKBitmap bitmap)
    {
        Span<PdqHash> hashes = stackalloc PdqHash[1];
        var quality = ComputeBitmap(bitmap, hashes, dihedrals: false);
        return new(hashes[0], quality);
    }

    /// <summary>Hashes a decoded bitmap in all eight dihedral orientations.</summary>
    public static PdqDihedralResult HashWithDihedrals(SKBitmap bitmap)
    {
        var hashes = new PdqHash[8];
        var quality = ComputeBitmap(bitmap, hashes, dihedrals: true);
        return new(hashes, quality);
    }

    /// <summary>Hashes raw pixels, e.g. a video frame ffmpeg decoded to rgb24.</summary>
    public static PdqResult Hash(ReadOnlySpan<byte> pixels, int width, int height, int rowBytes, PdqPixelFormat format)
    {
        PixelView.CheckBuffer(pixels.Length, width, height, rowBytes, format);
        Span<PdqHash> hashes = stackalloc PdqHash[1];
        var quality = PdqAlgorithm.Compute(pixels, PixelView.Create(width, height, rowBytes, format), hashes, dihedrals: false);
        return new(hashes[0], quality);
    }

    /// <summary>Hashes raw pixels in all eight dihedral orientations.</summary>
    public static PdqDihedralResult HashWithDihedrals(ReadOnlySpan<byte> pixels, int width, int height, int rowBytes, PdqPixelFormat format)
    {
        PixelView.CheckBuffer(pixels.Length, width, height, rowBytes, format);
        var hashes = new PdqHash[8];
        var quality = PdqAlgorithm.Compute(pixels, PixelView.Create(width, height, rowBytes, format), hashes, dihedrals: true);
        return new(hashes, quality);
    }

    private static int ComputeBitmap(SKBitmap bitmap, Span<PdqHash> hashes, bool dihedrals)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        var format = bitmap.ColorType switch
        {
            SKColorType.Rgba8888 or SKColorType.Rgb888x => PdqPixelFormat.Rgba8888,
            SKColorType.Bgra8888 => PdqPixelFormat.Bgra8888,
            SKColorType.Gray8 => PdqPixelFormat.Gray8,
            _ => (PdqPixelFormat?)null,
        };
        if (format is null)
        {
            using var converted = bitmap.Copy(SKColorType.Rgba8888)
                ?? throw new NotSupportedException($"A {bitmap.ColorType} bitmap cannot be converted to RGBA for hashing.");
            return ComputeBitmap(converted, hashes, dihedrals);
        }

        var pixels = bitmap.GetPixelSpan();
        PixelView.CheckBuffer(pixels.Length, bitmap.Width, bitmap.Height, bitmap.RowBytes, format.Value);
        return PdqAlgorithm.Compute(pixels, PixelView.Create(bitmap.Width, bitmap.Height, bitmap.RowBytes, format.Value), hashes, dihedrals);
    }

    private static int DecodeAndCompute(
        ReadOnlySpan<byte> encoded, PdqOrientation orientation, long maxSourcePixels, Span<PdqHash> hashes, bool dihedrals)
    {
        // Grey pictures stay one channel, as the reference reads them (its luma of a grey pixel is the grey value);
        // colours are decoded as stored: unpremultiplied, no colour management.
        using var image = ImageDecoding.Decode(encoded, maxSourcePixels, keepGrey: true);
        var format = image.Grey ? PdqPixelFormat.Gray8 : PdqPixelFormat.Rgba8888;
        var exifOrientation = orientation == PdqOrientation.Displayed ? (int)image.Origin : 1;
        var view = PixelView.Create(image.Width, image.Height, image.RowBytes, format, exifOrientation);
        return PdqAlgorithm.Compute(image.Pixels, view, hashes, dihedrals);
    }
}
