using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Registers media: who submitted them, where to call back, which policy applies.</summary>
public sealed class MediaSubmittedConsumer(MediaAggregator aggregator, IPublishEndpoint publisher, ILogger<MediaSubmittedConsumer> logger) : PipelineBatchConsumer<MediaSubmitted>(logger)
{
    protected override async Task HandleAsync(IReadOnlyList<MediaSubmitted> messages, CancellationToken cancellationToken) =>
        await publisher.AnnounceErasedAsync(await aggregator.RegisterAsync(messages, cancellationToken), cancellationToken);
}

public sealed class MediaSubmittedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<MediaSubmittedConsumer>(messaging, aggregation, QueueNames.ResultsMediaSubmitted);
