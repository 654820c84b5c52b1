using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers ingest's cross-client de-duplication: the client's own medium carrying the verdict of identical content.</summary>
public sealed class ReuseVerdictConsumer(VerdictReuse reuse, ILogger<ReuseVerdictConsumer> logger) : IConsumer<ReuseVerdict>
{
    public async Task Consume(ConsumeContext<ReuseVerdict> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await context.RespondAsync(await reuse.ReuseAsync(context.Message, context.CancellationToken));
    }
}

public sealed class ReuseVerdictConsumerDefinition : QueueConsumerDefinition<ReuseVerdictConsumer>
{
    public ReuseVerdictConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsReuseVerdict)
    {
        ConcurrentMessageLimit = 16;
    }
}
