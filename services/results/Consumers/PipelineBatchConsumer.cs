using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Results.Aggregation;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// The pipeline's messages about media reach results in batches of many media, folded in one transaction
/// (<see cref="MediumTransaction.RunManyAsync"/>): per medium, a still costs a share of a few round trips instead of a
/// transaction per message. A batch that fails as a whole is handled again one message at a time, so one bad message
/// does not hold back the others; what still fails is retried and dead-lettered by the shared messaging defaults.
/// </summary>
public abstract class PipelineBatchConsumer<TMessage>(ILogger logger) : IConsumer<Batch<TMessage>>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        var messages = context.Message.Select(m => m.Message).ToList();
        try
        {
            await HandleAsync(messages, context.CancellationToken);
        }
        catch (Exception e) when (messages.Count > 1 && e is not OperationCanceledException)
        {
            logger.LogWarning(e, "A batch of {Count} {MessageType} failed as a whole; handling its messages one by one", messages.Count, typeof(TMessage).Name);
            List<Exception> failures = [];
            foreach (var message in messages)
            {
                try
                {
                    await HandleAsync([message], context.CancellationToken);
                }
                catch (Exception failure) when (failure is not OperationCanceledException)
                {
                    failures.Add(failure);
                }
            }

            // Every good message is stored; the batch still fails, so the bad one is retried and dead-lettered.
            if (failures.Count > 0)
            {
                throw new AggregateException($"{failures.Count} of {messages.Count} {typeof(TMessage).Name} messages failed on their own.", failures);
            }
        }
    }

    protected abstract Task HandleAsync(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken);
}

/// <summary>Batch size, wait and concurrency from <see cref="AggregationOptions"/>; one queue per message type.</summary>
public abstract class PipelineBatchConsumerDefinition<TConsumer> : QueueConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly AggregationOptions options;
    private readonly TimeSpan timeLimit;

    /// <param name="timeLimit">How long a batch waits for more messages after its first; <see cref="AggregationOptions.BatchTimeLimit"/> by default.</param>
    protected PipelineBatchConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<AggregationOptions> aggregation, string queue, TimeSpan? timeLimit = null)
        : base(messaging, queue)
    {
        options = aggregation.Value;
        this.timeLimit = timeLimit ?? options.BatchTimeLimit;
        ConcurrentMessageLimit = options.BatchSize * options.BatchConcurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(options.BatchSize)
            .SetTimeLimit(timeLimit)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(options.BatchConcurrency));
        endpointConfigurator.PrefetchCount = options.BatchSize * (options.BatchConcurrency + 1);
    }
}
