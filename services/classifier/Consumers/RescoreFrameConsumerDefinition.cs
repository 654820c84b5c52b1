using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Consumers;

/// <summary>
/// The bulk lane's own queue: one batch at a time and a prefetch of one batch, so a worker holds few bulk frames while
/// it waits for its turn and a restart redelivers little.
/// </summary>
public sealed class RescoreFrameConsumerDefinition : QueueConsumerDefinition<RescoreFrameConsumer>
{
    private readonly ClassifierOptions options;

    public RescoreFrameConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<ClassifierOptions> options)
        : base(messaging, QueueNames.FrameClassificationBulk)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RescoreFrameConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.MaxBatchSize)
            .SetTimeLimit(options.MaxBatchWait)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(1));
        endpointConfigurator.PrefetchCount = options.MaxBatchSize;
    }
}
