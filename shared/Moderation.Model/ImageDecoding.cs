using System.Buffers;
using SkiaSharp;

namespace Moderation.Model;

/// <summary>
/// Pixels of a decoded picture as stored (before EXIF orientation), in a pooled buffer that <see cref="Dispose"/>
/// returns: unpremultiplied RGBA, or one grey byte a pixel (<see cref="Grey"/>).
/// </summary>
public struct DecodedImage : IDisposable
{
    private byte[]? buffer;
    private readonly int length;

    internal DecodedImage(byte[] buffer, int length, int width, int height, int rowBytes, bool grey, SKEncodedOrigin origin)
    {
        this.buffer = buffer;
        this.length = length;
        Width = width;
        Height = height;
        RowBytes = rowBytes;
        Grey = grey;
        Origin = origin;
    }

    public readonly ReadOnlySpan<byte> Pixels => buffer is null ? throw new ObjectDisposedException(nameof(DecodedImage)) : buffer.AsSpan(0, length);

    public int Width { get; }

    public int Height { get; }

    public int RowBytes { get; }

    /// <summary>One grey byte a pixel (a grey picture decoded with <c>keepGrey</c>); otherwise RGBA.</summary>
    public bool Grey { get; }

    /// <summary>The picture's EXIF orientation, for the caller to apply or not.</summary>
    public SKEncodedOrigin Origin { get; }

    public void Dispose()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }
}

/// <summary>
/// The one way encoded pictures are decoded for the model and for perceptual hashing: whatever Skia decodes, refused
/// before decoding when larger than a pixel budget, never colour-managed, and a truncated file refused rather than
/// half-decoded (using the grey remainder would be a guess).
/// </summary>
public static class ImageDecoding
{
    /// <param name="keepGrey">Decode a grey picture to one byte a pixel instead of RGBA.</param>
    /// <exception cref="ImageDecodeException">The bytes are not a complete picture Skia can decode, or it is too large.</exception>
    public static unsafe DecodedImage Decode(ReadOnlySpan<byte> encoded, long maxSourcePixels, bool keepGrey = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSourcePixels, 1);
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException("The image is empty.");
        }

        using var data = SKData.CreateCopy(encoded);

        // The codec takes ownership of the stream, also when it fails.
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var createResult)
            ?? throw new ImageDecodeException($"The bytes are not an image format that can be decoded ({createResult}).",
                createResult == SKCodecResult.IncompleteInput ? ImageDecodeFailure.Truncated : ImageDecodeFailure.Unreadable);

        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width < 1 || height < 1 || (long)width * height > maxSourcePixels)
        {
            throw new ImageDecodeException($"The image is {width}×{height} pixels; at most {maxSourcePixels} pixels are decoded.", ImageDecodeFailure.TooManyPixels);
        }

        var grey = keepGrey && codec.Info.ColorType == SKColorType.Gray8;
        var decodeInfo = new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var byteCount = checked((int)decodeInfo.BytesSize64);
        var pixels = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            SKCodecResult decodeResult;
            fixed (byte* pixelPointer = pixels)
            {
                decodeResult = codec.GetPixels(decodeInfo, (IntPtr)pixelPointer);
            }

            if (decodeResult != SKCodecResult.Success)
            {
                throw new ImageDecodeException($"The {width}×{height} image could not be decoded completely ({decodeResult}).",
                    decodeResult == SKCodecResult.IncompleteInput ? ImageDecodeFailure.Truncated : ImageDecodeFailure.Unreadable);
            }

            return new DecodedImage(pixels, byteCount, width, height, decodeInfo.RowBytes, grey, codec.EncodedOrigin);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(pixels);
            throw;
        }
    }
}
