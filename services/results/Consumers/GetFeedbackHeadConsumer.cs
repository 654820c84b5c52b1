using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers classifier workers: the newest published feedback head for their base model, if any.</summary>
public sealed class GetFeedbackHeadConsumer(ResultsDbContext db) : IConsumer<GetFeedbackHead>
{
    public async Task Consume(ConsumeContext<GetFeedbackHead> context)
    {
        var request = context.Message;
        var head = await db.ModelHeads.AsNoTracking()
            .Where(h => h.Published && h.BaseModelName == request.ModelName && h.BaseModelVersion == request.BaseModelVersion)
            .OrderByDescending(h => h.CreatedAt)
            .Select(h => new { h.Version, h.HeadJson })
            .FirstOrDefaultAsync(context.CancellationToken);
        await context.RespondAsync(new FeedbackHeadAnswer(head?.Version, head?.HeadJson));
    }
}

public sealed class GetFeedbackHeadConsumerDefinition : QueueConsumerDefinition<GetFeedbackHeadConsumer>
{
    public GetFeedbackHeadConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsGetFeedbackHead)
    {
        ConcurrentMessageLimit = 8;
    }
}
