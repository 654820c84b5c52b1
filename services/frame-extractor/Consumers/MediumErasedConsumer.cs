using MassTransit;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Consumers;

/// <summary>
/// A medium was erased: stop extracting it here (the extraction removes its frames as it ends), or, when it is not
/// extracted here, remove frames an extraction may have stored before the erasure reached it. Idempotent.
/// </summary>
public sealed class MediumErasedConsumer(ExtractionRegistry registry, IBlobStore blobs, ILogger<MediumErasedConsumer> logger) : IConsumer<MediumErased>
{
    public async Task Consume(ConsumeContext<MediumErased> context)
    {
        var mediaId = context.Message.MediaId;
        if (registry.Erase(mediaId))
        {
            logger.LogInformation("{MediaId} was erased; stopping its extraction", mediaId);
            return;
        }

        if (await blobs.DeleteFramesAsync(mediaId, context.CancellationToken) is > 0 and var deleted)
        {
            logger.LogInformation("{MediaId} was erased; deleted {Deleted} stored frames", mediaId, deleted);
        }
    }
}

/// <summary>Every replica hears every erasure on a queue of its own (<see cref="PerReplicaConsumerDefinition{TConsumer}"/>).</summary>
public sealed class MediumErasedConsumerDefinition : PerReplicaConsumerDefinition<MediumErasedConsumer>;
