using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>A frame that cannot be classified fails its medium (unless a verdict was already reached).</summary>
public sealed class FrameFailedConsumer(MediaAggregator aggregator, TimeProvider clock, ILogger<FrameFailedConsumer> logger) : IConsumer<FrameFailed>
{
    public const string Stage = "classifier";

    public async Task Consume(ConsumeContext<FrameFailed> context)
    {
        var message = context.Message;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = message.MediaId });
        var failure = new MediaFailure(message.Reason, $"Frame {message.FrameIndex}: {message.Detail}", Stage, clock.GetUtcNow());
        await aggregator.FailAsync(message.MediaId, message.CorrelationId, failure, context.CancellationToken);
    }
}

public sealed class FrameFailedConsumerDefinition : ResultsConsumerDefinition<FrameFailedConsumer>
{
    public FrameFailedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, "frame-failed")
    {
        ConcurrentMessageLimit = 8;
    }
}
