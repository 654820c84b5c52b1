using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Sampling;

/// <summary>One frame the extractor will publish.</summary>
/// <param name="Index">FrameIndex on the wire: 0…n-1 in presentation order, the same on every run over the same file.</param>
/// <param name="Pts">Presentation time in the stream's own clock (what ffmpeg's select filter sees).</param>
/// <param name="TimestampSeconds">Seconds from the first frame, as published.</param>
/// <param name="Keyframe">Decodable on its own.</param>
/// <param name="Position">Position in the medium's frame table.</param>
public sealed record PlannedFrame(int Index, double Pts, double TimestampSeconds, bool Keyframe, int Position);

/// <summary>
/// One ffmpeg run: seek to <see cref="SeekTo"/> (a keyframe; NaN reads from the start) and decode either keyframes only
/// or every frame, keeping <see cref="Frames"/>.
/// </summary>
public sealed record DecodeSegment(int Number, double SeekTo, bool KeyframesOnly, IReadOnlyList<PlannedFrame> Frames)
{
    public bool Seeks => !double.IsNaN(SeekTo);
}

/// <summary>What will be extracted from a medium and how.</summary>
/// <param name="ExactTimestamps">True when every planned timestamp gets the exact frame on screen; false when snapped to keyframes.</param>
public sealed record ExtractionPlan(
    MediaKind Kind,
    SamplingSchedule Schedule,
    double DurationSeconds,
    IReadOnlyList<PlannedFrame> Frames,
    IReadOnlyList<DecodeSegment> Segments,
    bool ExactTimestamps);
