using System.Diagnostics;
using MassTransit;
using Moderation.Classifier.Inference;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Consumers;

/// <summary>
/// Scores a batch of <see cref="FrameExtracted"/> frames with one inference call and publishes a
/// <see cref="FrameClassified"/> for each, or a <see cref="FrameFailed"/> for a frame that cannot be read or decoded,
/// without failing its batch-mates. The frames are acknowledged when this returns, that is after every publish is confirmed.
/// Redelivered frames are scored again; results de-duplicates on (MediaId, FrameIndex, ModelVersion).
/// </summary>
public sealed class FrameClassificationConsumer(
    IFrameClassifier classifier,
    FeedbackHead feedbackHead,
    FrameImageLoader loader,
    FramePreprocessor preprocessor,
    HeatmapWriter heatmaps,
    ClassifierMetrics metrics,
    TimeProvider time,
    ILogger<FrameClassificationConsumer> logger) : IConsumer<Batch<FrameExtracted>>
{
    public async Task Consume(ConsumeContext<Batch<FrameExtracted>> context)
    {
        var frames = context.Message;
        var cancellationToken = context.CancellationToken;
        var received = time.GetUtcNow();
        metrics.BatchReceived(frames.Length);
        var loads = new Task<FrameInput>[frames.Length];
        for (var i = 0; i < frames.Length; i++)
        {
            loads[i] = loader.LoadAsync(frames[i].Message, cancellationToken);
            if (frames[i].SentTime is { } sent)
            {
                metrics.QueueWait(received - new DateTimeOffset(DateTime.SpecifyKind(sent, DateTimeKind.Utc)));
            }
        }

        var pictures = await Task.WhenAll(loads);

        var batch = classifier.Batches.Rent();
        try
        {
            FrameSlot[] slots;
            using (var activity = Telemetry.ActivitySource.StartActivity("classifier.preprocess"))
            {
                activity?.SetTag("classifier.batch.size", frames.Length);
                var started = Stopwatch.GetTimestamp();
                slots = preprocessor.Fill(batch, pictures);
                metrics.Preprocessed(Stopwatch.GetElapsedTime(started));
            }

            await classifier.ClassifyAsync(batch, cancellationToken);
            await PublishAsync(frames, slots, batch);
        }
        finally
        {
            classifier.Batches.Return(batch);
        }
    }

    private async Task PublishAsync(Batch<FrameExtracted> frames, FrameSlot[] slots, FrameBatch batch)
    {
        var model = classifier.Model;
        // One head for the whole batch, even if a new one is loaded meanwhile: its version goes with the scores.
        var head = feedbackHead.Current;
        var modelVersion = head?.Head.Version ?? model.Version;
        var classifiedAt = time.GetUtcNow();
        var publishes = new Task[frames.Length];
        var failed = 0;
        for (var i = 0; i < frames.Length; i++)
        {
            var frame = frames[i];
            var message = frame.Message;
            var slot = slots[i];

            // Each result is published through its own frame's context, so it carries that frame's conversation and trace.
            if (slot.Decoded)
            {
                var scores = Scores(model.Classes, batch.ScoresOf(slot.Slot), batch.EmbeddingOf(slot.Slot), head);
                var classified = new FrameClassified(
                    message.MediaId,
                    message.CorrelationId,
                    message.FrameIndex,
                    message.TimestampSeconds,
                    scores,
                    batch.EmbeddingOf(slot.Slot).ToArray(),
                    model.Name,
                    modelVersion,
                    classifiedAt);
                var frameHeatmaps = heatmaps.Render(model.Classes, scores, batch.ActivationsOf(slot.Slot), model.Outputs.ClassActivation);
                publishes[i] = frameHeatmaps.Count == 0 ? frame.Publish(classified) : PublishWithHeatmapsAsync(frame, classified, frameHeatmaps);
                continue;
            }

            failed++;
            using (logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = message.MediaId, ["CorrelationId"] = message.CorrelationId }))
            {
                if (slot.Unexpected)
                {
                    logger.LogError("Frame {FrameIndex} of {MediaId} broke the decoder: {Error}", message.FrameIndex, message.MediaId, slot.Error);
                }
                else
                {
                    logger.LogWarning("Frame {FrameIndex} of {MediaId} is undecodable: {Error}", message.FrameIndex, message.MediaId, slot.Error);
                }
            }

            publishes[i] = frame.Publish(new FrameFailed(
                message.MediaId,
                message.CorrelationId,
                message.FrameIndex,
                slot.Reason ?? FailureReasons.FrameUndecodable,
                slot.Error!));
        }

        await Task.WhenAll(publishes);
        metrics.Classified(frames.Length - failed);
        if (failed > 0)
        {
            metrics.Failed(failed);
        }

        logger.LogDebug("Classified a batch of {FrameCount} frames ({FailedCount} undecodable)", frames.Length, failed);
    }

    /// <summary>The frame's heatmaps are stored before its scores go out, so whoever reads the scores finds them.</summary>
    private async Task PublishWithHeatmapsAsync(ConsumeContext<FrameExtracted> frame, FrameClassified classified, IReadOnlyList<Heatmap> frameHeatmaps)
    {
        var stored = await heatmaps.StoreAsync(classified.MediaId, classified.FrameIndex, frameHeatmaps, frame.CancellationToken);
        await frame.Publish(classified with { HeatmapClasses = stored });
    }

    /// <summary>The base model's probabilities, with the feedback head's in place of those of the classes it covers.</summary>
    private static Dictionary<string, float> Scores(IReadOnlyList<string> classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> embedding, FeedbackHead.Applied? head)
    {
        var adjusted = probabilities.ToArray();
        head?.Apply(adjusted, embedding);
        var scores = new Dictionary<string, float>(classes.Count, StringComparer.Ordinal);
        for (var c = 0; c < classes.Count; c++)
        {
            scores[classes[c]] = adjusted[c];
        }

        return scores;
    }
}
