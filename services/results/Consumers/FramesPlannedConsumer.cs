using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Records the planned frame count, which drives progress.</summary>
public sealed class FramesPlannedConsumer(MediaAggregator aggregator, ILogger<FramesPlannedConsumer> logger) : IConsumer<FramesPlanned>
{
    public async Task Consume(ConsumeContext<FramesPlanned> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await aggregator.PlanAsync(context.Message, context.CancellationToken);
    }
}

public sealed class FramesPlannedConsumerDefinition : ResultsConsumerDefinition<FramesPlannedConsumer>
{
    public FramesPlannedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, "frames-planned")
    {
        ConcurrentMessageLimit = 16;
    }
}
