using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Records planned frame counts, which drive progress.</summary>
public sealed class FramesPlannedConsumer(MediaAggregator aggregator, IPublishEndpoint publisher, ILogger<FramesPlannedConsumer> logger) : PipelineBatchConsumer<FramesPlanned>(logger)
{
    protected override async Task HandleAsync(IReadOnlyList<FramesPlanned> messages, CancellationToken cancellationToken) =>
        await publisher.AnnounceErasedAsync(await aggregator.PlanAsync(messages, cancellationToken), cancellationToken);
}

public sealed class FramesPlannedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<FramesPlannedConsumer>(messaging, aggregation, QueueNames.ResultsFramesPlanned);
