using MassTransit;

namespace Moderation.ServiceDefaults;

/// <summary>
/// For events every replica must hear (only the one extracting the medium acts on them): each replica gets its own
/// temporary queue, non-durable, auto-deleted with the replica, classic rather than quorum. An event that finds no
/// replica listening needs no action, and one lost with a replica has nothing left to act on.
/// </summary>
public abstract class PerReplicaConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected PerReplicaConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Temporary = true;
            e.InstanceId = Guid.NewGuid().ToString("N")[..12];
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Durable = false;
            rabbit.AutoDelete = true;
            rabbit.SetQueueArgument("x-queue-type", "classic");
        }
    }
}
