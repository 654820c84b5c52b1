using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>Where an extraction's messages go: the bus in the service (with publisher confirms), a recorder in the benchmark.</summary>
public interface IExtractionPublisher
{
    Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class, IMediaMessage;
}
