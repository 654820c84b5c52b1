using System.Diagnostics;
using Microsoft.Extensions.Options;
using Moderation.FrameExtractor.Options;
using Moderation.Model;
using Moderation.Pdq;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>A frame's PDQ hash, its quality and the hashes of its seven other dihedral orientations (mirrors, quarter turns).</summary>
public sealed record HashedFrame(PdqHash Hash, int Quality, IReadOnlyList<PdqHash> Orientations);

/// <summary>
/// PDQ hashes of the frames of videos and animations as ffmpeg emitted them (a still is hashed by the classifier, which
/// decodes it anyway). A picture Skia cannot decode has no hash; the classifier then reports on it as before.
/// </summary>
public sealed class FrameHashing(IOptions<MediaLimitsOptions> limits, ExtractionMetrics metrics, ILogger<FrameHashing> logger)
{
    public HashedFrame? HashPng(byte[] png)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = PdqHasher.HashWithDihedrals(png, PdqOrientation.Stored, limits.Value.MaxPixels);
            metrics.HashSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return new HashedFrame(result.Original, result.Quality, [.. result.Hashes.Where((_, i) => i != (int)PdqDihedral.Original)]);
        }
        catch (ImageDecodeException e)
        {
            logger.LogInformation("No PDQ hash: {Reason}", e.Message);
            return null;
        }
    }
}
