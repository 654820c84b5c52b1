using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Lifecycle;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Registers stored media: who submitted them, what they are, where to call back, which policy applies. A URL-only
/// submission in the previous format is ingest's to fetch and passes by (<see cref="Lifecycle.MediumLifecycle.Registers"/>).
/// </summary>
public sealed class MediaSubmittedConsumer(MediaAggregator aggregator, IPublishEndpoint publisher, ILogger<MediaSubmittedConsumer> logger) : PipelineBatchConsumer<MediaSubmitted>(logger)
{
    protected override async Task HandleAsync(IReadOnlyList<MediaSubmitted> messages, CancellationToken cancellationToken)
    {
        List<MediaSubmitted> stored = [.. messages.Where(MediumLifecycle.Registers)];
        if (stored.Count > 0)
        {
            await publisher.AnnounceErasedAsync(await aggregator.RegisterAsync(stored, cancellationToken), cancellationToken);
        }
    }
}

public sealed class MediaSubmittedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<MediaSubmittedConsumer>(messaging, aggregation, QueueNames.ResultsMediaSubmitted);
