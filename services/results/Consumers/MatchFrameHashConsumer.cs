using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Banks;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Answers whether known content decides hashed frames — the extractor's video frames, the classifier's stills — many
/// at once: a batch of questions about many media is one transaction (<see cref="FrameHashMatching"/>), and each
/// question gets its own answer. A batch that fails as a whole is answered one question at a time, so one bad question
/// does not hold back the others; what still fails is retried and dead-lettered by the shared messaging defaults.
/// </summary>
public sealed class MatchFrameHashConsumer(FrameHashMatching matching, ILogger<MatchFrameHashConsumer> logger) : IConsumer<Batch<MatchFrameHash>>
{
    public Task Consume(ConsumeContext<Batch<MatchFrameHash>> context) =>
        PipelineBatchConsumer<MatchFrameHash>.HandleWithFallbackAsync([.. context.Message], AnswerAsync, logger, context.CancellationToken);

    private async Task AnswerAsync(IReadOnlyList<ConsumeContext<MatchFrameHash>> questions, CancellationToken cancellationToken)
    {
        var answers = await matching.MatchAsync([.. questions.Select(q => q.Message)], cancellationToken);
        await Task.WhenAll(questions.Select((question, i) => question.RespondAsync(answers[i])));
    }
}

/// <summary>
/// Every still and every video frame is asked about before the classifier scores it, so the asker waits on the answer:
/// batches close after <see cref="AggregationOptions.MatchBatchTimeLimit"/>, shorter than the pipeline's other batches.
/// </summary>
public sealed class MatchFrameHashConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation)
    : PipelineBatchConsumerDefinition<MatchFrameHashConsumer>(messaging, aggregation, QueueNames.ResultsMatchFrameHash, aggregation.Value.MatchBatchTimeLimit);
