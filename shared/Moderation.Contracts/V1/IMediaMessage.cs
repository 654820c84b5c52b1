namespace Moderation.Contracts.V1;

/// <summary>Every message in the pipeline names the medium it is about and the correlation id that ties a trace together.</summary>
public interface IMediaMessage
{
    Guid MediaId { get; }

    Guid CorrelationId { get; }
}
