using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Answers ingest before it deletes content-addressed bytes: the media of any client whose original is still kept that
/// have this content. Erased media have no row any more; retention marks the rest.
/// </summary>
public sealed class CountContentReferencesConsumer(ResultsDbContext db) : IConsumer<CountContentReferences>
{
    public async Task Consume(ConsumeContext<CountContentReferences> context)
    {
        var sha256 = context.Message.Sha256.ToLowerInvariant();
        var count = await db.Media.AsNoTracking().CountAsync(m => m.Sha256 == sha256 && m.OriginalRemovedAt == null, context.CancellationToken);
        await context.RespondAsync(new ContentReferences(sha256, count));
    }
}

public sealed class CountContentReferencesConsumerDefinition : QueueConsumerDefinition<CountContentReferencesConsumer>
{
    public CountContentReferencesConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsCountContentReferences)
    {
        ConcurrentMessageLimit = 8;
    }
}
