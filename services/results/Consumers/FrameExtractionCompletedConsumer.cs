using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Learns exact frame counts; a verdict completes once that many distinct frames are scored.</summary>
public sealed class FrameExtractionCompletedConsumer(MediaAggregator aggregator, ILogger<FrameExtractionCompletedConsumer> logger)
    : PipelineBatchConsumer<FrameExtractionCompleted>(logger)
{
    protected override Task HandleAsync(IReadOnlyList<FrameExtractionCompleted> messages, CancellationToken cancellationToken) =>
        aggregator.CompleteExtractionAsync(messages, cancellationToken);
}

public sealed class FrameExtractionCompletedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<FrameExtractionCompletedConsumer>(messaging, aggregation, "frame-extraction-completed");
