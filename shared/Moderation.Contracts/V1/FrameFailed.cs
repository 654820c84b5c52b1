namespace Moderation.Contracts.V1;

/// <summary>One frame could not be classified (e.g. undecodable JPEG). The medium fails with <see cref="Reason"/>.</summary>
public sealed record FrameFailed(
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    string Reason,
    string Detail) : IMediaMessage;
