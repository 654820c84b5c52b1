using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Consumers;

/// <summary>
/// Dynamic batching, the way Triton's batcher does it: a batch is dispatched when <see cref="ClassifierOptions.MaxBatchSize"/>
/// frames have arrived or <see cref="ClassifierOptions.MaxBatchWait"/> after its first frame, whichever comes first.
/// </summary>
public sealed class FrameClassificationConsumerDefinition : QueueConsumerDefinition<FrameClassificationConsumer>
{
    private readonly ClassifierOptions options;

    public FrameClassificationConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<ClassifierOptions> options)
        : base(messaging, QueueNames.FrameClassification)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<FrameClassificationConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.MaxBatchSize)
            .SetTimeLimit(options.MaxBatchWait)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(options.ConcurrentBatches));

        // Every batch in flight holds MaxBatchSize unacknowledged frames; one batch more prefetched means the next
        // batch is already in memory, not on the broker, when a slot frees up.
        endpointConfigurator.PrefetchCount = options.MaxBatchSize * (options.ConcurrentBatches + 1);
    }
}
