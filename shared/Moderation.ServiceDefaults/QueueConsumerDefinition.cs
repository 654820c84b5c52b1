using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;

namespace Moderation.ServiceDefaults;

/// <summary>
/// A consumer definition whose durable queue is named explicitly, from <see cref="QueueNames"/>, and prefixed with
/// <c>Messaging:QueuePrefix</c>: the queue does not follow the consumer's class name, so renaming the class cannot
/// rename the queue that brokers, KEDA triggers and permissions refer to.
/// </summary>
public abstract class QueueConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected QueueConsumerDefinition(IOptions<MessagingOptions> messaging, string queue)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        EndpointName = QueueNames.Prefixed(messaging.Value.QueuePrefix, queue);
    }
}
