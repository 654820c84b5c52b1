using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>A frame that cannot be classified fails its medium (unless a verdict was already reached).</summary>
public sealed class FrameFailedConsumer(MediaAggregator aggregator, ILogger<FrameFailedConsumer> logger) : IConsumer<FrameFailed>
{
    public async Task Consume(ConsumeContext<FrameFailed> context)
    {
        var message = context.Message;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = message.MediaId });
        await context.AnnounceErasedAsync(await aggregator.FailFrameAsync(message, context.CancellationToken), context.CancellationToken);
    }
}

public sealed class FrameFailedConsumerDefinition : QueueConsumerDefinition<FrameFailedConsumer>
{
    public FrameFailedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsFrameFailed)
    {
        ConcurrentMessageLimit = 8;
    }
}
