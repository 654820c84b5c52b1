using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>An explicit failure from any stage ends the medium, unless a verdict was reached first.</summary>
public sealed class MediaFailedConsumer(MediaAggregator aggregator, ILogger<MediaFailedConsumer> logger) : IConsumer<MediaFailed>
{
    public async Task Consume(ConsumeContext<MediaFailed> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await context.AnnounceErasedAsync(await aggregator.FailAsync(context.Message, context.CancellationToken), context.CancellationToken);
    }
}

public sealed class MediaFailedConsumerDefinition : QueueConsumerDefinition<MediaFailedConsumer>
{
    public MediaFailedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsMediaFailed)
    {
        ConcurrentMessageLimit = 8;
    }
}
