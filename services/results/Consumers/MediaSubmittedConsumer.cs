using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Registers media: who submitted them, where to call back, which policy applies.</summary>
public sealed class MediaSubmittedConsumer(MediaAggregator aggregator, ILogger<MediaSubmittedConsumer> logger) : PipelineBatchConsumer<MediaSubmitted>(logger)
{
    protected override Task HandleAsync(IReadOnlyList<MediaSubmitted> messages, CancellationToken cancellationToken) =>
        aggregator.RegisterAsync(messages, cancellationToken);
}

public sealed class MediaSubmittedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<MediaSubmittedConsumer>(messaging, aggregation, "media-submitted");
