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
    public Task Consume(ConsumeContext<Batch<TMessage>> context) =>
        HandleWithFallbackAsync([.. context.Message.Select(m => m.Message)], HandleAsync, logger, context.CancellationToken);

    /// <summary>
    /// Handles <paramref name="items"/> as one batch; if the batch fails as a whole, each item alone, so the good ones are
    /// stored, and then fails with the failures of those that still fail (retried and dead-lettered).
    /// </summary>
    internal static async Task HandleWithFallbackAsync<TItem>(IReadOnlyList<TItem> items, Func<IReadOnlyList<TItem>, CancellationToken, Task> handle,
        ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await handle(items, cancellationToken);
        }
        catch (Exception e) when (items.Count > 1 && e is not OperationCanceledException)
        {
            logger.LogWarning(e, "A batch of {Count} {MessageType} failed as a whole; handling its messages one by one", items.Count, typeof(TMessage).Name);
            List<Exception> failures = [];
            foreach (var item in items)
            {
                try
                {
                    await handle([item], cancellationToken);
                }
                catch (Exception failure) when (failure is not OperationCanceledException)
                {
                    failures.Add(failure);
                }
            }

            // Every good message is stored; the batch still fails, so the bad one is retried and dead-lettered.
            if (failures.Count > 0)
            {
                throw new AggregateException($"{failures.Count} of {items.Count} {typeof(TMessage).Name} messages failed on their own.", failures);
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
