using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Learns exact frame counts; a verdict completes once that many distinct frames are scored.</summary>
public sealed class FrameExtractionCompletedConsumer(MediaAggregator aggregator, IPublishEndpoint publisher, ILogger<FrameExtractionCompletedConsumer> logger)
    : PipelineBatchConsumer<FrameExtractionCompleted>(logger)
{
    protected override async Task HandleAsync(IReadOnlyList<FrameExtractionCompleted> messages, CancellationToken cancellationToken) =>
        await publisher.AnnounceErasedAsync(await aggregator.CompleteExtractionAsync(messages, cancellationToken), cancellationToken);
}

public sealed class FrameExtractionCompletedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<FrameExtractionCompletedConsumer>(messaging, aggregation, QueueNames.ResultsFrameExtractionCompleted);
