using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers ingest's <c>DELETE /media/{id}</c>: erases the medium here and says whether its content is still referenced.</summary>
public sealed class EraseMediumConsumer(ErasureService erasure, ILogger<EraseMediumConsumer> logger) : IConsumer<EraseMedium>
{
    public async Task Consume(ConsumeContext<EraseMedium> context)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = context.Message.MediaId });
        await context.RespondAsync(await erasure.EraseAsync(context.Message, context.CancellationToken));
    }
}

public sealed class EraseMediumConsumerDefinition : QueueConsumerDefinition<EraseMediumConsumer>
{
    public EraseMediumConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsEraseMedium)
    {
        ConcurrentMessageLimit = 4;
    }
}
