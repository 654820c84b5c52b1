using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Queries;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers ingest's status requests: ingest serves its clients' status calls without access to this database.</summary>
public sealed class GetMediaStatusConsumer(MediaQueries queries) : IConsumer<GetMediaStatus>
{
    public async Task Consume(ConsumeContext<GetMediaStatus> context) =>
        await context.RespondAsync(await queries.StatusAsync(context.Message.MediaId, context.CancellationToken));
}

public sealed class GetMediaStatusConsumerDefinition : ResultsConsumerDefinition<GetMediaStatusConsumer>
{
    public GetMediaStatusConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, "get-media-status")
    {
        ConcurrentMessageLimit = 32;
    }
}
