using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Media;

/// <summary>What ffprobe found in a medium: its container and the visual stream frames are sampled from.</summary>
/// <param name="FormatName">The demuxer, e.g. <c>mov,mp4,m4a,3gp,3g2,mj2</c>, <c>gif</c>, <c>png_pipe</c>.</param>
/// <param name="DurationSeconds">Container duration; 0 for stills and when unknown.</param>
/// <param name="StreamCount">Streams of any type.</param>
/// <param name="Visual">The stream frames come from; null when the medium has none (audio only, data only).</param>
/// <param name="UnsizedVideoCodec">A video stream ffprobe found but could not size (e.g. animated WebP), when there is no other.</param>
public sealed record MediaProbe(string FormatName, double DurationSeconds, int StreamCount, VisualStream? Visual, string? UnsizedVideoCodec = null)
{
    /// <summary>Containers with an index ffmpeg seeks in precisely, so segments can start anywhere.</summary>
    public bool SupportsIndexedSeeking => FormatName.Split(',')[0] is "mov" or "matroska" or "avi";
}

/// <param name="Index">Absolute stream index in the container.</param>
/// <param name="Codec">Decoder name, e.g. <c>h264</c>, <c>gif</c>, <c>mjpeg</c>.</param>
/// <param name="StartSeconds">Presentation time of the stream's first frame; timestamps we publish are relative to it.</param>
/// <param name="FrameRate">Average frames per second, 0 when unknown.</param>
/// <param name="IsAttachedPicture">Cover art in an audio file: a single still.</param>
public sealed record VisualStream(int Index, string Codec, int Width, int Height, double StartSeconds, double DurationSeconds, double FrameRate, bool IsAttachedPicture)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>Presentation timestamps of every frame of the visual stream, in order, and which are keyframes.</summary>
public sealed class FrameTable
{
    public FrameTable(IReadOnlyList<double> timestamps, IReadOnlyList<bool> keyframes)
    {
        Timestamps = timestamps;
        IsKeyframe = keyframes;
        KeyframePositions = Enumerable.Range(0, timestamps.Count).Where(i => keyframes[i]).ToArray();
        Keyframes = KeyframePositions.Select(i => timestamps[i]).ToArray();
    }

    public IReadOnlyList<double> Timestamps { get; }

    public IReadOnlyList<bool> IsKeyframe { get; }

    /// <summary>Timestamps of the keyframes alone, ascending.</summary>
    public IReadOnlyList<double> Keyframes { get; }

    /// <summary>Positions of the keyframes in <see cref="Timestamps"/>, ascending.</summary>
    public IReadOnlyList<int> KeyframePositions { get; }

    public int Count => Timestamps.Count;

    /// <summary>Position of the keyframe that starts the group of pictures holding <paramref name="position"/>.</summary>
    public int GopStart(int position)
    {
        var k = LastAtOrBefore(KeyframePositions, position);
        return k >= 0 ? KeyframePositions[k] : 0;
    }

    /// <summary>Position of the keyframe after the group of pictures holding <paramref name="position"/>, or <see cref="Count"/>.</summary>
    public int NextGopStart(int position)
    {
        var k = LastAtOrBefore(KeyframePositions, position) + 1;
        return k < KeyframePositions.Count ? KeyframePositions[k] : Count;
    }

    /// <summary>Position of the frame on screen at <paramref name="time"/>: the last one starting at or before it (the first frame before the start).</summary>
    public int FrameAt(double time)
    {
        var position = LastAtOrBefore(Timestamps, time);
        return Math.Max(position, 0);
    }

    /// <summary>The keyframe nearest to <paramref name="time"/>, if any.</summary>
    public double? NearestKeyframe(double time)
    {
        if (Keyframes.Count == 0)
        {
            return null;
        }

        var before = LastAtOrBefore(Keyframes, time);
        var after = before + 1;
        if (before < 0)
        {
            return Keyframes[0];
        }

        return after < Keyframes.Count && Keyframes[after] - time < time - Keyframes[before] ? Keyframes[after] : Keyframes[before];
    }

    private static int LastAtOrBefore(IReadOnlyList<int> sorted, int value)
    {
        int low = 0, high = sorted.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (sorted[middle] <= value)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }

    /// <summary>Binary search for the last element ≤ <paramref name="value"/> (a microsecond of slack absorbs ffprobe's rounding); -1 if none.</summary>
    private static int LastAtOrBefore(IReadOnlyList<double> sorted, double value)
    {
        int low = 0, high = sorted.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (sorted[middle] <= value + 1e-6)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}

/// <summary>A probed medium ready for planning: its kind, visual stream, frame table, and the frame source that decodes it.</summary>
/// <param name="Source">Name of the <see cref="IFrameSource"/> for this medium (<c>ffmpeg</c> unless ffmpeg cannot decode it).</param>
public sealed record ProbedMedium(MediaKind Kind, MediaProbe Probe, VisualStream Visual, FrameTable Frames, string Source = FrameDecoder.SourceName)
{
    /// <summary>Presentation time of the first frame; published timestamps count from here.</summary>
    public double Origin => Frames.Timestamps[0];

    /// <summary>
    /// Length the sampling rule works on: the visual stream's own extent (a longer audio track does not count), from its
    /// first frame to the end of its last; 0 for stills.
    /// </summary>
    public double DurationSeconds
    {
        get
        {
            if (Kind == MediaKind.Still)
            {
                return 0;
            }

            var lastFrame = Visual.FrameRate > 0 ? 1 / Visual.FrameRate : 0;
            var extent = Frames.Timestamps[^1] - Origin + lastFrame;

            // The stream's declared duration knows how long the last frame shows (a GIF's final delay), but it is only
            // trusted up to a second past the frames themselves: headers can claim anything.
            return Visual.DurationSeconds > extent ? Math.Min(Visual.DurationSeconds, extent + 1) : extent;
        }
    }
}
