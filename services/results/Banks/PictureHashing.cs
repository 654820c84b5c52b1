using Moderation.Model;
using Moderation.Pdq;

namespace Moderation.Results.Banks;

/// <summary>Hashes a picture uploaded to a bank, as the frame extractor hashes a submitted still (pixels as stored).</summary>
public static class PictureHashing
{
    /// <summary>The picture's PDQ hash and quality; null when it is not a picture Skia decodes.</summary>
    public static async Task<PdqResult?> HashAsync(Stream picture, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await picture.CopyToAsync(buffer, cancellationToken);
        try
        {
            return PdqHasher.Hash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (ImageDecodeException)
        {
            return null;
        }
    }
}
