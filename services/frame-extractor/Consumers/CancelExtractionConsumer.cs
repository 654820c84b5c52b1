using MassTransit;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.ServiceDefaults;

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

/// <summary>Every replica hears every decision on a queue of its own (<see cref="PerReplicaConsumerDefinition{TConsumer}"/>).</summary>
public sealed class CancelExtractionConsumerDefinition : PerReplicaConsumerDefinition<CancelExtractionConsumer>;
