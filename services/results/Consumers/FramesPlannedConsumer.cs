using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Records planned frame counts, which drive progress.</summary>
public sealed class FramesPlannedConsumer(MediaAggregator aggregator, ILogger<FramesPlannedConsumer> logger) : PipelineBatchConsumer<FramesPlanned>(logger)
{
    protected override Task HandleAsync(IReadOnlyList<FramesPlanned> messages, CancellationToken cancellationToken) =>
        aggregator.PlanAsync(messages, cancellationToken);
}

public sealed class FramesPlannedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<FramesPlannedConsumer>(messaging, aggregation, "frames-planned");
