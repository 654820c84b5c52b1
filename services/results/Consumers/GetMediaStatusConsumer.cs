using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Queries;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Answers ingest's status requests: ingest serves its clients' status calls without access to this database. A request
/// naming a reader (a review or admin key reading another client's medium through ingest) is audited like a read here.
/// </summary>
public sealed class GetMediaStatusConsumer(MediaQueries queries, AuditLog audit) : IConsumer<GetMediaStatus>
{
    public async Task Consume(ConsumeContext<GetMediaStatus> context)
    {
        var request = context.Message;
        var status = await queries.StatusAsync(request.MediaId, context.CancellationToken);
        if (status.Found && request.ReaderClientId is { Length: > 0 } reader)
        {
            await audit.CrossTenantReadAsync(new AuditActor(reader, request.ReaderKeyId), request.MediaId, "status", context.CancellationToken);
        }

        await context.RespondAsync(status);
    }
}

public sealed class GetMediaStatusConsumerDefinition : QueueConsumerDefinition<GetMediaStatusConsumer>
{
    public GetMediaStatusConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsGetMediaStatus)
    {
        ConcurrentMessageLimit = 32;
    }
}
