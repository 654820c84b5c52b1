namespace Moderation.Contracts.V1;

/// <summary>
/// Results reached a certain decision before every frame was scored (early exit); the extractor cancels remaining work for the medium.
/// </summary>
public sealed record MediaDecided(
    Guid MediaId,
    Guid CorrelationId,
    Decision Decision,
    string Class,
    float Score,
    int FrameIndex) : IMediaMessage;
