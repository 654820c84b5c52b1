using MassTransit;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;

namespace Moderation.FrameExtractor.Consumers;

/// <summary>Results decided a medium early: stop whatever this replica still extracts of it.</summary>
public sealed class CancelExtractionConsumer(ExtractionRegistry registry, ILogger<CancelExtractionConsumer> logger) : IConsumer<MediaDecided>
{
    public Task Consume(ConsumeContext<MediaDecided> context)
    {
        var decided = context.Message;
        if (registry.Cancel(decided.MediaId))
        {
            logger.LogInformation("{MediaId} decided {Decision} by frame {FrameIndex} ({Class} {Score:0.###}); cancelling its extraction",
                decided.MediaId, decided.Decision, decided.FrameIndex, decided.Class, decided.Score);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Every replica must hear every decision (only the one extracting the medium acts on it), so each gets its own
/// temporary queue: non-durable, auto-deleted with the replica, classic rather than quorum. A decision that finds no
/// replica listening needs no action, and one lost with a replica has nothing left to cancel.
/// </summary>
public sealed class CancelExtractionConsumerDefinition : ConsumerDefinition<CancelExtractionConsumer>
{
    public CancelExtractionConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Temporary = true;
            e.InstanceId = Guid.NewGuid().ToString("N")[..12];
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<CancelExtractionConsumer> consumerConfigurator,
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
