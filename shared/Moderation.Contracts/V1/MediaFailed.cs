namespace Moderation.Contracts.V1;

/// <summary>The medium cannot be judged. <paramref name="Reason"/> is a stable machine-readable code from <see cref="FailureReasons"/>.</summary>
public sealed record MediaFailed(
    Guid MediaId,
    Guid CorrelationId,
    string Reason,
    string Detail,
    string Stage,
    DateTimeOffset FailedAt) : IMediaMessage;
