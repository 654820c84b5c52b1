using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Queues named <c>[prefix-]results-&lt;message&gt;</c>: other services consume the same events (the extractor takes
/// MediaSubmitted too), and each service needs its own queue bound to the event's exchange, not a share of one.
/// </summary>
public abstract class ResultsConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected ResultsConsumerDefinition(IOptions<MessagingOptions> messaging, string queue)
    {
        var prefix = messaging.Value.QueuePrefix;
        EndpointName = string.IsNullOrEmpty(prefix) ? $"results-{queue}" : $"{prefix}-results-{queue}";
    }
}
