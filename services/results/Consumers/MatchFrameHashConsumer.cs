using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Banks;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers the extractor's question about each hashed frame: does known content decide the medium?</summary>
public sealed class MatchFrameHashConsumer(FrameHashMatching matching, ILogger<MatchFrameHashConsumer> logger) : IConsumer<MatchFrameHash>
{
    public async Task Consume(ConsumeContext<MatchFrameHash> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId, ["CorrelationId"] = context.Message.CorrelationId });
        await context.RespondAsync(await matching.MatchAsync(context.Message, context.CancellationToken));
    }
}

/// <summary>
/// Every frame of every medium passes here before the classifier, so many are answered at once; each answer is one
/// short transaction on its medium's row.
/// </summary>
public sealed class MatchFrameHashConsumerDefinition : QueueConsumerDefinition<MatchFrameHashConsumer>
{
    public MatchFrameHashConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsMatchFrameHash)
    {
        ConcurrentMessageLimit = 32;
    }
}
