using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Registers the medium: who submitted it, where to call back, which policy applies.</summary>
public sealed class MediaSubmittedConsumer(MediaAggregator aggregator, ILogger<MediaSubmittedConsumer> logger) : IConsumer<MediaSubmitted>
{
    public async Task Consume(ConsumeContext<MediaSubmitted> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await aggregator.RegisterAsync(context.Message, context.CancellationToken);
    }
}

public sealed class MediaSubmittedConsumerDefinition : ResultsConsumerDefinition<MediaSubmittedConsumer>
{
    public MediaSubmittedConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, "media-submitted")
    {
        ConcurrentMessageLimit = 16;
    }
}
