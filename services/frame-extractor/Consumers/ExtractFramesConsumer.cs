using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;
using Moderation.FrameExtractor.Options;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Consumers;

/// <summary>
/// Takes submissions off the submissions queue. A still is answered here, in milliseconds (recognised in-process, its
/// original sent as its one frame); a video or an animation is handed to the queue of moving media
/// (<see cref="ExtractMovingMedium"/>, <see cref="ExtractMovingMediumConsumer"/>), so that a still never waits behind
/// a video's extraction however many videos arrive. A declared video type is handed on without reading the blob.
/// </summary>
public sealed class ExtractFramesConsumer(MediaExtractor extractor, IOptions<MessagingOptions> messaging, TimeProvider clock, ILogger<ExtractFramesConsumer> logger)
    : ExtractionConsumer(messaging, clock, logger), IConsumer<MediaSubmitted>
{
    public async Task Consume(ConsumeContext<MediaSubmitted> context)
    {
        var submitted = context.Message;
        if (string.IsNullOrEmpty(submitted.BlobKey) && !string.IsNullOrEmpty(submitted.SourceUrl))
        {
            // The previous format of a direct publisher's URL submission (now SubmitMediaByUrl), still sent while deployments
            // roll: ingest fetches it and publishes the medium again with its blob.
            logger.LogDebug("Submission {MediaId} names only a SourceUrl; left to ingest's fetch", submitted.MediaId);
            return;
        }

        var declaredVideo = submitted.ContentType?.StartsWith("video/", StringComparison.OrdinalIgnoreCase) == true;
        if (declaredVideo || await RunAsync(context, submitted, extractor.ExtractStillAsync) == ExtractionOutcome.Moving)
        {
            // Acknowledged only once the broker confirmed the hand-off; a crash in between hands it on twice, and the
            // second extraction publishes the same frames under the same indices (results keeps one score per frame).
            await context.Publish(new ExtractMovingMedium(submitted), publish => publish.SetPriority(submitted.Priority.ToMessagePriority()));
        }
    }
}

/// <summary>
/// Extracts the frames of a video or an animation. The submission is acknowledged only after the last message about it
/// is confirmed by the broker, so a crash mid-way redelivers it and the same frames are published again under the same
/// indices (results keeps one score per frame).
/// </summary>
public sealed class ExtractMovingMediumConsumer(MediaExtractor extractor, IOptions<MessagingOptions> messaging, TimeProvider clock, ILogger<ExtractMovingMediumConsumer> logger)
    : ExtractionConsumer(messaging, clock, logger), IConsumer<ExtractMovingMedium>
{
    public Task Consume(ConsumeContext<ExtractMovingMedium> context) => RunAsync(context, context.Message.Submission, extractor.ExtractAsync);
}

/// <summary>
/// What both extraction consumers share: frames are published through the consume context (correlation and trace flow
/// from the submission); unexpected errors are retried, and once retries are exhausted the medium fails with
/// <c>internal-error</c> instead of vanishing into the error queue.
/// </summary>
public abstract class ExtractionConsumer(IOptions<MessagingOptions> messaging, TimeProvider clock, ILogger logger)
{
    protected async Task<ExtractionOutcome> RunAsync(ConsumeContext context, MediaSubmitted submitted,
        Func<MediaSubmitted, IExtractionPublisher, CancellationToken, Task<ExtractionOutcome>> extract)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(submitted);
        ArgumentNullException.ThrowIfNull(extract);
        var publisher = new ConsumeContextPublisher(context);
        try
        {
            return await extract(submitted, publisher, context.CancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && context.GetRetryAttempt() >= messaging.Value.RetryLimit)
        {
            logger.LogError(e, "Extraction of {MediaId} failed unexpectedly after {Attempts} attempts", submitted.MediaId, context.GetRetryAttempt() + 1);
            await publisher.PublishAsync(new MediaFailed(submitted.MediaId, submitted.CorrelationId, FailureReasons.Internal,
                $"The extractor failed unexpectedly: {e.GetType().Name}: {e.Message}", MediaExtractor.Stage, clock.GetUtcNow()), context.CancellationToken);
            return ExtractionOutcome.Failed;
        }
    }

    private sealed class ConsumeContextPublisher(ConsumeContext context) : IExtractionPublisher
    {
        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class, IMediaMessage =>
            context.Publish(message, cancellationToken);
    }
}

/// <summary>
/// The submissions queue: stills take milliseconds of work and most of their time waiting for publish confirms, so
/// many run at once (<see cref="ExtractionOptions.MaxConcurrentStills"/>).
/// </summary>
public sealed class ExtractFramesConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<ExtractionOptions> options)
    : ExtractionConsumerDefinition<ExtractFramesConsumer>(messaging, QueueNames.ExtractFrames, options.Value.MaxConcurrentStills);

/// <summary>The queue of moving media: <see cref="ExtractionOptions.MaxConcurrentMedia"/> extractions at once per replica.</summary>
public sealed class ExtractMovingMediumConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<ExtractionOptions> options)
    : ExtractionConsumerDefinition<ExtractMovingMediumConsumer>(messaging, QueueNames.ExtractMovingMedium, options.Value.MaxConcurrentMedia);

/// <summary>
/// An extraction queue prefetches exactly as many messages as it works on: a video holds its message for seconds to
/// minutes, and prefetching more would only park media here that an idle replica could take.
/// </summary>
public abstract class ExtractionConsumerDefinition<TConsumer> : QueueConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly int _concurrency;

    protected ExtractionConsumerDefinition(IOptions<MessagingOptions> messaging, string queue, int concurrency)
        : base(messaging, queue)
    {
        _concurrency = concurrency;
        ConcurrentMessageLimit = concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.PrefetchCount = _concurrency;
}
