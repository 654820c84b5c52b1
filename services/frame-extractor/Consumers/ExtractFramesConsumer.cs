using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.FrameExtractor.Options;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Consumers;

/// <summary>
/// Extracts the frames of a submitted medium. The submission is acknowledged only after the last message about it is
/// confirmed by the broker, so a crash mid-way redelivers it and the same frames are published again under the same
/// indices (results keeps one score per frame). Unexpected errors are retried; once retries are exhausted the medium
/// fails with <c>internal-error</c> instead of vanishing into the error queue.
/// </summary>
public sealed class ExtractFramesConsumer(MediaExtractor extractor, IOptions<MessagingOptions> messaging, TimeProvider clock, ILogger<ExtractFramesConsumer> logger)
    : IConsumer<MediaSubmitted>
{
    public async Task Consume(ConsumeContext<MediaSubmitted> context)
    {
        if (string.IsNullOrEmpty(context.Message.BlobKey) && !string.IsNullOrEmpty(context.Message.SourceUrl))
        {
            // A direct publisher's URL submission: ingest fetches it and publishes the same medium again with its blob.
            logger.LogDebug("Submission {MediaId} names only a SourceUrl; left to ingest's fetch", context.Message.MediaId);
            return;
        }

        var publisher = new ConsumeContextPublisher(context);
        try
        {
            await extractor.ExtractAsync(context.Message, publisher, context.CancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && context.GetRetryAttempt() >= messaging.Value.RetryLimit)
        {
            logger.LogError(e, "Extraction of {MediaId} failed unexpectedly after {Attempts} attempts", context.Message.MediaId, context.GetRetryAttempt() + 1);
            await publisher.PublishAsync(new MediaFailed(context.Message.MediaId, context.Message.CorrelationId, FailureReasons.Internal,
                $"The extractor failed unexpectedly: {e.GetType().Name}: {e.Message}", MediaExtractor.Stage, clock.GetUtcNow()), context.CancellationToken);
        }
    }

    /// <summary>Publishes through the consume context, so correlation and trace context flow from the submission.</summary>
    private sealed class ConsumeContextPublisher(ConsumeContext context) : IExtractionPublisher
    {
        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class, IMediaMessage =>
            context.Publish(message, cancellationToken);
    }
}

public sealed class ExtractFramesConsumerDefinition : ConsumerDefinition<ExtractFramesConsumer>
{
    private readonly int _concurrency;

    public ExtractFramesConsumerDefinition(IOptions<ExtractionOptions> options)
    {
        _concurrency = options.Value.MaxConcurrentMedia;
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ExtractFramesConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // An extraction holds its submission for seconds to minutes: prefetching more than we work on would only
        // park submissions here that an idle replica could take.
        endpointConfigurator.PrefetchCount = _concurrency;
    }
}
