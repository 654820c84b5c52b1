using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Backfills;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Folds a backfill's re-scored frame into its medium; the last one writes the medium's new verdict revision.</summary>
public sealed class FrameRescoredConsumer(BackfillRescoring rescoring) : IConsumer<FrameRescored>
{
    public Task Consume(ConsumeContext<FrameRescored> context) => rescoring.RecordAsync(context.Message, context.CancellationToken);
}

public sealed class FrameRescoredConsumerDefinition : QueueConsumerDefinition<FrameRescoredConsumer>
{
    public FrameRescoredConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsFrameRescored)
    {
        ConcurrentMessageLimit = 4;
    }
}
