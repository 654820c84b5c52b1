namespace Moderation.Contracts.V1;

/// <summary>
/// The PDQ perceptual hash of one frame of a medium (a still's one picture, or one sampled frame of a video or an
/// animation), computed by the frame extractor from the picture it decoded.
/// </summary>
/// <param name="Pdq">The 256-bit hash as 64 lower-case hexadecimal digits.</param>
/// <param name="Quality">PDQ's quality score, 0–100; below 50 the hash is neither banked nor matched.</param>
public sealed record FrameHash(int FrameIndex, double TimestampSeconds, string Pdq, int Quality);

/// <summary>A frame of a medium within a hash bank's distance of one of its entries.</summary>
/// <param name="Bank">The bank's name (a global bank, or one of the medium's own client's).</param>
/// <param name="Distance">Hamming distance in bits between the frame's hash (in its nearest orientation) and the entry.</param>
public sealed record BankMatch(string Bank, int Distance, int FrameIndex, double TimestampSeconds);
