using MassTransit;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Waiting;

/// <summary>
/// Wakes the requests of this replica waiting on a medium (<see cref="VerdictWaiters"/>) when its verdict is announced or
/// the extractor fails it; they then read its status from results, the source of truth.
/// </summary>
public sealed class MediumConcludedConsumer(VerdictWaiters waiters) : IConsumer<VerdictReached>, IConsumer<MediaFailed>
{
    public Task Consume(ConsumeContext<VerdictReached> context)
    {
        waiters.Signal(context.Message.MediaId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<MediaFailed> context)
    {
        waiters.Signal(context.Message.MediaId);
        return Task.CompletedTask;
    }
}

/// <summary>Every replica hears every verdict on a queue of its own: the waiting request may be on any of them.</summary>
public sealed class MediumConcludedConsumerDefinition : PerReplicaConsumerDefinition<MediumConcludedConsumer>;
