namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="FrameHashMatched"/>): the frame extractor hashed a frame and asks, before
/// the frame goes to the classifier, whether known content decides it. Results records the hash with the medium,
/// matches it against the hash banks the medium may see (global ones and its own client's) and, for a still, against
/// the client's recently decided stills; a match that decides the medium concludes it there. Idempotent on
/// (<see cref="MediaId"/>, <see cref="FrameIndex"/>).
/// </summary>
/// <param name="ClientId">The submitting client, from the submission: results may not have registered the medium yet.</param>
/// <param name="Policy">The submission's policy: near-duplicate reuse only lends decisions made under the same one.</param>
/// <param name="Kind">A still is decided by any match; a moving medium only by a block match.</param>
/// <param name="Pdq">The frame's hash as 64 hexadecimal digits.</param>
/// <param name="Quality">PDQ's quality score; a hash below 50 is recorded but never matched.</param>
/// <param name="Orientations">
/// The hashes of the other seven dihedral orientations (mirrors and quarter turns) of the same picture, so that a
/// mirrored or rotated copy of banked content matches; empty when not computed.
/// </param>
public sealed record MatchFrameHash(
    Guid MediaId,
    Guid CorrelationId,
    string? ClientId,
    string? Policy,
    MediaKind Kind,
    int FrameIndex,
    double TimestampSeconds,
    string Pdq,
    int Quality,
    IReadOnlyList<string> Orientations) : IMediaMessage;

/// <summary>What the extractor does with a hashed frame.</summary>
public enum FrameHashOutcome
{
    /// <summary>Nothing known decides it: the frame goes to the classifier.</summary>
    Classify = 0,

    /// <summary>The frame matches an allow bank (content reviewers cleared): it is not classified, the rest of the medium is.</summary>
    Skip = 1,

    /// <summary>The medium is decided by known content (or erased): nothing more of it is published.</summary>
    Decided = 2,
}

/// <summary>Response to <see cref="MatchFrameHash"/>.</summary>
public sealed record FrameHashMatched(Guid MediaId, int FrameIndex, FrameHashOutcome Outcome, Decision? Decision);
