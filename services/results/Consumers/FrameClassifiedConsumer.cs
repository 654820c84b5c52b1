using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Folds one frame's scores into its medium's running maxima; may conclude the medium.</summary>
public sealed class FrameClassifiedConsumer(MediaAggregator aggregator, ILogger<FrameClassifiedConsumer> logger) : IConsumer<FrameClassified>
{
    public async Task Consume(ConsumeContext<FrameClassified> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await aggregator.RecordScoresAsync(context.Message, context.CancellationToken);
    }
}

public sealed class FrameClassifiedConsumerDefinition : ResultsConsumerDefinition<FrameClassifiedConsumer>
{
    public FrameClassifiedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
        : base(messaging, "frame-classified")
    {
        // Frames of one medium serialise on its row lock; frames of different media run side by side.
        ConcurrentMessageLimit = aggregation.Value.FrameConcurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FrameClassifiedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = Math.Max(endpointConfigurator.PrefetchCount, (ConcurrentMessageLimit ?? 16) * 2);
    }
}
