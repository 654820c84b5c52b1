using System.Buffers.Binary;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Options;
using SkiaSharp;

namespace Moderation.FrameExtractor.Media;

/// <summary>A still picture recognised in-process: its format and stored size (before EXIF orientation).</summary>
public sealed record StillImage(string Format, int Width, int Height)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Recognises well-formed still pictures — JPEG, PNG, WebP, BMP and single-frame GIF — in-process, without starting
/// ffprobe or ffmpeg: Skia reads the header (format, size, frame count), the pixel cap applies before anything is
/// decoded, and the file's structure is walked to its end marker, so an upload cut short fails here as <c>truncated</c>.
/// The picture is decoded once, by the classifier, from the original blob. Anything else — animations, other formats,
/// headers Skia cannot read, structures it cannot vouch for — answers null and takes ffmpeg's path, which diagnoses it.
/// </summary>
public sealed class StillImageProbe(IOptions<MediaLimitsOptions> limits)
{
    public async Task<StillImage?> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        SKEncodedImageFormat format;
        int width, height;
        using (var codec = SKCodec.Create(path, out var opened))
        {
            if (codec is null && opened == SKCodecResult.IncompleteInput && StillSignature(path) is { } signature)
            {
                throw new MediaRejectedException(FailureReasons.Truncated, $"The {signature} file ends inside its header.");
            }

            // Two or more frames are an animation; a GIF of zero frames is no picture at all. ffmpeg's path judges both.
            // (Skia counts frames of animated formats only: a JPEG or PNG reports none.)
            if (codec is null || codec.FrameCount > 1 || (codec.EncodedFormat == SKEncodedImageFormat.Gif && codec.FrameCount == 0))
            {
                return null;
            }

            format = codec.EncodedFormat;
            width = codec.Info.Width;
            height = codec.Info.Height;
        }

        if (format is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png or SKEncodedImageFormat.Webp or SKEncodedImageFormat.Bmp or SKEncodedImageFormat.Gif)
            || width < 1 || height < 1)
        {
            return null;
        }

        var still = new StillImage(format.ToString().ToLowerInvariant(), width, height);
        if (still.Pixels > limits.Value.MaxPixels)
        {
            throw new MediaRejectedException(FailureReasons.TooManyPixels,
                $"The picture is {width}×{height} = {still.Pixels} pixels; at most {limits.Value.MaxPixels} are accepted.");
        }

        try
        {
            return await IsWholeAsync(path, format, cancellationToken) ? still : null;
        }
        catch (EndOfStreamException e)
        {
            throw new MediaRejectedException(FailureReasons.Truncated, $"The {still.Format} file ends before its picture does: {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether the file runs to its format's end marker. Throws <see cref="EndOfStreamException"/> when it is cut short;
    /// false when its structure is something this walk does not vouch for (ffmpeg then decides).
    /// </summary>
    private static async Task<bool> IsWholeAsync(string path, SKEncodedImageFormat format, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        var length = file.Length;
        try
        {
            switch (format)
            {
                case SKEncodedImageFormat.Jpeg:
                    return await new JpegStreamReader(file, (int)Math.Min(int.MaxValue / 2, length + 1)).ReadAsync(cancellationToken) is not null;
                case SKEncodedImageFormat.Png:
                    // An APNG is an animation: ffmpeg samples its frames.
                    return await new PngStreamReader(file, length + 1).ReadAsync(cancellationToken) is { Animated: false };
                case SKEncodedImageFormat.Gif:
                    return await LastByteAsync(file) == 0x3B;
                case SKEncodedImageFormat.Webp:
                {
                    var header = await HeadAsync(file, 12, cancellationToken);
                    return BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)) + 8L <= length
                        ? true
                        : throw new EndOfStreamException($"The RIFF container declares {BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)) + 8L} bytes; the file has {length}.");
                }

                case SKEncodedImageFormat.Bmp:
                {
                    var header = await HeadAsync(file, 14, cancellationToken);
                    var declared = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(2));
                    return declared <= length ? BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(10)) < length
                        : throw new EndOfStreamException($"The bitmap declares {declared} bytes; the file has {length}.");
                }

                default:
                    return false;
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>The still format whose signature the file starts with, or null.</summary>
    private static string? StillSignature(string path)
    {
        Span<byte> head = stackalloc byte[12];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        return head switch
        {
            [0xFF, 0xD8, 0xFF, ..] => "jpeg",
            [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "png",
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P'] => "webp",
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "gif",
            [(byte)'B', (byte)'M', ..] => "bmp",
            _ => null,
        };
    }

    private static async Task<byte[]> HeadAsync(FileStream file, int count, CancellationToken cancellationToken)
    {
        var header = new byte[count];
        if (await file.ReadAtLeastAsync(header, count, throwOnEndOfStream: false, cancellationToken) < count)
        {
            throw new EndOfStreamException($"The file is shorter than its {count}-byte header.");
        }

        return header;
    }

    private static async Task<int> LastByteAsync(FileStream file)
    {
        if (file.Length == 0)
        {
            return -1;
        }

        file.Seek(-1, SeekOrigin.End);
        var last = new byte[1];
        return await file.ReadAsync(last) == 1 ? last[0] : -1;
    }
}
