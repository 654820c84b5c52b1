using System.Buffers.Binary;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Splits a stream of PNG files (ffmpeg's <c>image2pipe</c> PNG output, or one uploaded still) into whole files by
/// walking their chunks up to <c>IEND</c>, so no frame is ever cut or merged. Chunk data is not inflated: the decoder
/// that reads the picture checks it.
/// </summary>
public sealed class PngStreamReader(Stream stream, long maxFileBytes)
{
    private readonly byte[] buffer = new byte[64 * 1024];

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The next complete PNG, or null at the end of the stream.</summary>
    /// <exception cref="EndOfStreamException">The stream ends inside a PNG.</exception>
    /// <exception cref="InvalidDataException">The stream is not a sequence of PNG files, or a file exceeds the size cap.</exception>
    public async Task<PngFile?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[Signature.Length];
        var first = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        if (first == 0)
        {
            return null;
        }

        if (first < header.Length)
        {
            throw new EndOfStreamException("The stream ended inside a PNG signature.");
        }

        if (!header.AsSpan().SequenceEqual(Signature))
        {
            throw new InvalidDataException("The stream does not start with a PNG signature.");
        }

        using var file = new MemoryStream();
        file.Write(header);
        var chunkHeader = new byte[8];
        var animated = false;
        var seenImageData = false;
        while (true)
        {
            await ReadExactlyAsync(chunkHeader, "chunk header", cancellationToken);
            var length = BinaryPrimitives.ReadUInt32BigEndian(chunkHeader);
            var type = System.Text.Encoding.ASCII.GetString(chunkHeader, 4, 4);
            if (length > int.MaxValue)
            {
                throw new InvalidDataException($"A PNG's {type} chunk declares {length} bytes.");
            }

            file.Write(chunkHeader);

            // Copied as the bytes arrive, never allocated from the declared length: a hostile length costs nothing.
            await CopyAsync(file, length + 4L, type, cancellationToken);

            // An acTL chunk before the first IDAT marks an animated PNG (APNG); decoders that ignore it show frame one.
            animated |= type == "acTL" && !seenImageData;
            seenImageData |= type == "IDAT";
            if (type == "IEND")
            {
                return new PngFile(file.ToArray(), animated);
            }
        }
    }

    private async Task CopyAsync(MemoryStream file, long count, string type, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"The stream ended inside a PNG's {type} chunk.");
            }

            file.Write(buffer, 0, read);
            count -= read;
            if (file.Length > maxFileBytes)
            {
                throw new InvalidDataException($"A PNG exceeds {maxFileBytes} bytes.");
            }
        }
    }

    private async Task ReadExactlyAsync(byte[] buffer, string what, CancellationToken cancellationToken)
    {
        if (await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken) < buffer.Length)
        {
            throw new EndOfStreamException($"The stream ended inside a PNG's {what}.");
        }
    }
}

/// <summary>One whole PNG file; <paramref name="Animated"/> when it declares APNG animation control.</summary>
public sealed record PngFile(byte[] Bytes, bool Animated);
