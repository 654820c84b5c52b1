namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Splits a stream of JPEG files (an uploaded still, or MJPEG from <c>image2pipe</c>) into whole files by walking their marker segments (an EOI byte
/// pair can only end the entropy-coded data, where 0xFF is always stuffed), so no frame is ever cut or merged.
/// </summary>
public sealed class JpegStreamReader(Stream stream, int maxFrameBytes)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>The next complete JPEG, or null at the end of the stream.</summary>
    /// <exception cref="EndOfStreamException">The stream ends inside a JPEG.</exception>
    /// <exception cref="InvalidDataException">The stream is not a sequence of JPEG files, or a frame exceeds the size cap.</exception>
    public async Task<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(2, cancellationToken))
        {
            if (_end > _start)
            {
                throw new EndOfStreamException("The stream ended inside a JPEG.");
            }

            return null;
        }

        if (_buffer[_start] != 0xFF || _buffer[_start + 1] != 0xD8)
        {
            throw new InvalidDataException("The frame stream does not start with a JPEG start-of-image marker.");
        }

        var offset = 2;
        var inScan = false;
        while (true)
        {
            if (!await EnsureAsync(offset + 2, cancellationToken))
            {
                throw new EndOfStreamException("The stream ended inside a JPEG.");
            }

            if (offset > maxFrameBytes)
            {
                throw new InvalidDataException($"A frame exceeds {maxFrameBytes} bytes.");
            }

            var b0 = _buffer[_start + offset];
            var b1 = _buffer[_start + offset + 1];
            if (inScan)
            {
                // Inside entropy-coded data: FF00 is a stuffed byte and FFD0–FFD7 are restart markers; anything else ends the scan.
                if (b0 != 0xFF)
                {
                    var next = _buffer.AsSpan(_start + offset, _end - _start - offset).IndexOf((byte)0xFF);
                    offset = next < 0 ? _end - _start : offset + next;
                    continue;
                }

                if (b1 == 0x00 || b1 is >= 0xD0 and <= 0xD7)
                {
                    offset += 2;
                    continue;
                }

                inScan = false;
            }

            if (b0 != 0xFF)
            {
                throw new InvalidDataException("Malformed JPEG marker in the frame stream.");
            }

            if (b1 == 0xFF)
            {
                offset++;
                continue;
            }

            if (b1 == 0xD9)
            {
                var length = offset + 2;
                var frame = _buffer.AsSpan(_start, length).ToArray();
                _start += length;
                return frame;
            }

            if (b1 is 0x01 or >= 0xD0 and <= 0xD7)
            {
                offset += 2;
                continue;
            }

            if (!await EnsureAsync(offset + 4, cancellationToken))
            {
                throw new EndOfStreamException("The stream ended inside a JPEG.");
            }

            var segmentLength = (_buffer[_start + offset + 2] << 8) | _buffer[_start + offset + 3];
            offset += 2 + segmentLength;
            inScan = b1 == 0xDA;
        }
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false when the stream ends first.</summary>
    private async Task<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_eof)
            {
                return false;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxFrameBytes + 64 * 1024));
                if (_end == _buffer.Length)
                {
                    throw new InvalidDataException($"A frame exceeds {maxFrameBytes} bytes.");
                }
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }

        return true;
    }
}
