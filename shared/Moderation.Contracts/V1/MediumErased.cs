namespace Moderation.Contracts.V1;

/// <summary>
/// A medium was erased: whatever still works on it stops without writing anything back, and its sampled frames are
/// removed. Results announces it when the erasure commits and again whenever a late pipeline message about the erased
/// medium arrives, so an extraction that started after the erasure is stopped and cleaned up too.
/// </summary>
public sealed record MediumErased(Guid MediaId, Guid CorrelationId) : IMediaMessage;
