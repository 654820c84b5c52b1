using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using SkiaSharp;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>The picture a published frame hands the classifier, wherever it travels (inline or in the blob store).</summary>
public static class FramePicture
{
    public static byte[] Bytes(FrameExtracted frame, IBlobStore blobs)
    {
        if (frame.ImageBlobKey is { } key)
        {
            Assert.Null(frame.Image);
            using var stream = blobs.OpenReadAsync(key, CancellationToken.None).GetAwaiter().GetResult();
            Assert.NotNull(stream);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        Assert.NotNull(frame.Image);
        return frame.Image;
    }

    /// <summary>The decoded size and format of the frame's picture, checking that it decodes completely.</summary>
    public static (int Width, int Height, SKEncodedImageFormat Format) Describe(FrameExtracted frame, IBlobStore blobs)
    {
        using var bitmap = SKBitmap.Decode(Bytes(frame, blobs));
        Assert.NotNull(bitmap);
        using var codec = SKCodec.Create(new MemoryStream(Bytes(frame, blobs)));
        Assert.Equal((frame.Width, frame.Height), (bitmap.Width, bitmap.Height));
        return (bitmap.Width, bitmap.Height, codec.EncodedFormat);
    }
}
