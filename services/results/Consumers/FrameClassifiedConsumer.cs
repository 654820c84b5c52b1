using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Folds frame scores into their medium's running maxima; may conclude the medium. Frames arrive in batches grouped
/// by medium, so the frames of a long video cost one transaction per batch instead of one each.
/// </summary>
public sealed class FrameClassifiedConsumer(MediaAggregator aggregator, ILogger<FrameClassifiedConsumer> logger) : IConsumer<Batch<FrameClassified>>
{
    public async Task Consume(ConsumeContext<Batch<FrameClassified>> context)
    {
        foreach (var medium in context.Message.Select(m => m.Message).GroupBy(m => m.MediaId))
        {
            using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = medium.Key });
            await aggregator.RecordScoresAsync([.. medium], context.CancellationToken);
        }
    }
}

public sealed class FrameClassifiedConsumerDefinition : ResultsConsumerDefinition<FrameClassifiedConsumer>
{
    private readonly AggregationOptions _options;

    public FrameClassifiedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
        : base(messaging, "frame-classified")
    {
        _options = aggregation.Value;
        ConcurrentMessageLimit = _options.FrameBatchSize * _options.FrameConcurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FrameClassifiedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Batches of one medium each: batches of different media run side by side, one medium's serialise on its row lock.
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(_options.FrameBatchSize)
            .SetTimeLimit(_options.FrameBatchTimeLimit)
            .SetConcurrencyLimit(_options.FrameConcurrency)
            .GroupBy<FrameClassified, Guid>(c => c.Message.MediaId));
        endpointConfigurator.PrefetchCount = Math.Max(endpointConfigurator.PrefetchCount, _options.FrameBatchSize * _options.FrameConcurrency);
    }
}
