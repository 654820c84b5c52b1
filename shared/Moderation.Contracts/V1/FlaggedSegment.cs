namespace Moderation.Contracts.V1;

/// <summary>
/// A time range of a video or animation whose consecutive sampled frames score <see cref="Class"/> at or above one of
/// the policy's thresholds (like Rekognition's segment aggregation of label detections).
/// </summary>
/// <param name="Threshold">Which threshold the range is over: <see cref="Decision.Review"/> or <see cref="Decision.Block"/>
/// (a block range lies inside a review range of the same class when the class has both).</param>
/// <param name="StartSeconds">Timestamp of the range's first sampled frame.</param>
/// <param name="EndSeconds">Where the range's last sampled frame stops standing for the medium: the next sample's timestamp, or
/// the end of the medium after the last sample.</param>
/// <param name="MaxScore">The highest score of the class in the range (after the policy's temporal smoothing, when it has one).</param>
/// <param name="FrameIndex">The frame of <paramref name="MaxScore"/>.</param>
/// <param name="Frames">How many sampled frames the range holds.</param>
/// <param name="Corroborated">For a block range: it alone satisfies the policy's corroboration rule (enough frames, or long enough).</param>
public sealed record FlaggedSegment(
    string Class,
    Decision Threshold,
    double StartSeconds,
    double EndSeconds,
    float MaxScore,
    int FrameIndex,
    int Frames,
    bool Corroborated);
