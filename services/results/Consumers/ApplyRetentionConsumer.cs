using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers ingest's retention sweep: which of a client's media are due, recorded here, for ingest to delete their blobs.</summary>
public sealed class ApplyRetentionConsumer(RetentionService retention) : IConsumer<ApplyRetention>
{
    public async Task Consume(ConsumeContext<ApplyRetention> context) =>
        await context.RespondAsync(await retention.ApplyAsync(context.Message, context.CancellationToken));
}

public sealed class ApplyRetentionConsumerDefinition : QueueConsumerDefinition<ApplyRetentionConsumer>
{
    public ApplyRetentionConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsApplyRetention)
    {
        ConcurrentMessageLimit = 2;
    }
}
