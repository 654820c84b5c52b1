using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Learns the exact frame count; the verdict completes once that many distinct frames are scored.</summary>
public sealed class FrameExtractionCompletedConsumer(MediaAggregator aggregator, ILogger<FrameExtractionCompletedConsumer> logger)
    : IConsumer<FrameExtractionCompleted>
{
    public async Task Consume(ConsumeContext<FrameExtractionCompleted> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await aggregator.CompleteExtractionAsync(context.Message, context.CancellationToken);
    }
}

public sealed class FrameExtractionCompletedConsumerDefinition : ResultsConsumerDefinition<FrameExtractionCompletedConsumer>
{
    public FrameExtractionCompletedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, "frame-extraction-completed")
    {
        ConcurrentMessageLimit = 16;
    }
}
