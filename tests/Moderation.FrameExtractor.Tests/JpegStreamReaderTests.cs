using Moderation.FrameExtractor.Media;
using Moderation.Testing;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

public sealed class JpegStreamReaderTests
{
    [Fact]
    public async Task Splits_concatenated_jpegs_even_when_a_comment_holds_an_end_marker()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48));
        // A COM segment right after SOI whose payload contains FF D9: a naive scan for EOI would cut the frame here.
        byte[] comment = [0xFF, 0xFE, 0x00, 0x06, 0xFF, 0xD9, 0xFF, 0xD9];
        byte[] tricky = [.. jpeg[..2], .. comment, .. jpeg[2..]];
        var stream = new MemoryStream([.. jpeg, .. tricky, .. jpeg]);

        var reader = new JpegStreamReader(new TrickleStream(stream, 7), 1 << 20);
        var frames = new List<byte[]>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            frames.Add(frame);
        }

        Assert.Equal(3, frames.Count);
        Assert.Equal(jpeg, frames[0]);
        Assert.Equal(tricky, frames[1]);
        Assert.Equal(jpeg, frames[2]);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_is_an_error_not_a_frame()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48));
        var reader = new JpegStreamReader(new MemoryStream([.. jpeg, .. jpeg[..(jpeg.Length / 2)]]), 1 << 20);

        Assert.NotNull(await reader.ReadAsync(CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Frames_over_the_cap_are_refused()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(640, 480));
        var reader = new JpegStreamReader(new MemoryStream(jpeg), 1024);

        await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReadAsync(CancellationToken.None));
    }

    /// <summary>Returns at most a few bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(Stream inner, int chunk) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, chunk));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
