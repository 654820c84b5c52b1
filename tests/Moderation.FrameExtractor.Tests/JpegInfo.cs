using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>Reads a JPEG's frame size from its SOF marker: proof a published frame is a real JPEG of the model's size.</summary>
public static class JpegInfo
{
    public static (int Width, int Height) Size(byte[] jpeg)
    {
        Assert.True(jpeg.Length > 4 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, "not a JPEG");
        Assert.True(jpeg[^2] == 0xFF && jpeg[^1] == 0xD9, "JPEG does not end with EOI");
        var offset = 2;
        while (offset + 9 < jpeg.Length)
        {
            var marker = jpeg[offset + 1];
            var length = (jpeg[offset + 2] << 8) | jpeg[offset + 3];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return ((jpeg[offset + 7] << 8) | jpeg[offset + 8], (jpeg[offset + 5] << 8) | jpeg[offset + 6]);
            }

            offset += 2 + length;
        }

        throw new Xunit.Sdk.XunitException("JPEG without a frame header");
    }
}
