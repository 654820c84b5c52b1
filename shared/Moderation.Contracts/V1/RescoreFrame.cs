namespace Moderation.Contracts.V1;

/// <summary>
/// Command (results → classifier, bulk lane): score one frame of an already judged medium again with the registered
/// version <paramref name="ModelName"/> <paramref name="ModelVersion"/>, for the backfill <paramref name="BackfillId"/>.
/// It travels on its own queue, which classifiers drain only when the live queue is idle or at a capped share, so a
/// backfill never delays live traffic. The answer is a <see cref="FrameRescored"/>.
/// </summary>
/// <param name="OriginalSha256">
/// A still's content hash: its original in the shared blob store is the picture. Null: the picture is the medium's
/// stored frame <paramref name="FrameIndex"/>.
/// </param>
public sealed record RescoreFrame(
    Guid BackfillId,
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    string? OriginalSha256,
    string ModelName,
    string ModelVersion) : IMediaMessage;

/// <summary>
/// The answer to a <see cref="RescoreFrame"/>: the frame's scores by the requested version, or why it could not be
/// scored (<paramref name="FailureReason"/>, one of <see cref="FailureReasons"/>, with <paramref name="Scores"/> null).
/// Results stores at most one per (medium, frame, version), so a redelivered command changes nothing.
/// </summary>
public sealed record FrameRescored(
    Guid BackfillId,
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    string ModelName,
    string ModelVersion,
    IReadOnlyDictionary<string, float>? Scores,
    string? FailureReason,
    string? FailureDetail) : IMediaMessage;

/// <summary>
/// A live frame scored by the shadow version beside the active one (classifier → results). Stored for the shadow report,
/// never acting on the medium.
/// </summary>
public sealed record FrameShadowScored(
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    string ModelName,
    string ModelVersion,
    IReadOnlyDictionary<string, float> Scores) : IMediaMessage;
