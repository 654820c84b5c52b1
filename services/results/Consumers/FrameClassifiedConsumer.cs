using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Folds frame scores into their media's running maxima; may conclude media. A batch mixes the frames of many media
/// (a long video's, a stream of stills'), all folded in one transaction.
/// </summary>
public sealed class FrameClassifiedConsumer(MediaAggregator aggregator, ILogger<FrameClassifiedConsumer> logger) : PipelineBatchConsumer<FrameClassified>(logger)
{
    protected override Task HandleAsync(IReadOnlyList<FrameClassified> messages, CancellationToken cancellationToken) =>
        aggregator.RecordScoresAsync(messages, cancellationToken);
}

public sealed class FrameClassifiedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<FrameClassifiedConsumer>(messaging, aggregation, QueueNames.ResultsFrameClassified);
