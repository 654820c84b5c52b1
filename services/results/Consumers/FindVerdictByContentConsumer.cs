using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Queries;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers ingest's de-duplication lookups: the newest completed verdict for identical content.</summary>
public sealed class FindVerdictByContentConsumer(MediaQueries queries) : IConsumer<FindVerdictByContent>
{
    public async Task Consume(ConsumeContext<FindVerdictByContent> context) =>
        await context.RespondAsync(await queries.FindByContentAsync(context.Message.Sha256, context.Message.Policy, context.Message.ClientId, context.CancellationToken));
}

public sealed class FindVerdictByContentConsumerDefinition : QueueConsumerDefinition<FindVerdictByContentConsumer>
{
    public FindVerdictByContentConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsFindVerdictByContent)
    {
        ConcurrentMessageLimit = 32;
    }
}
