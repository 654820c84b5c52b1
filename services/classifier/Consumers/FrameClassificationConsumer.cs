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
/// Redelivered frames are scored again; results de-duplicates on (MediaId, FrameIndex, ModelVersion). Frames of policies
/// naming the cascade go through <see cref="FrameCascade"/>, which re-scores those in the policy's uncertain band.
/// </summary>
public sealed class FrameClassificationConsumer(
    IFrameClassifier classifier,
    FeedbackHead feedbackHead,
    FrameCascade cascade,
    CascadeBandsCache bands,
    EscalationModel escalation,
    FrameImageLoader loader,
    FramePreprocessor preprocessor,
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

            // One head and one set of bands for the whole batch, even if new ones arrive meanwhile: their versions go with the scores.
            var head = feedbackHead.Current;
            var inForce = await bands.GetAsync(cancellationToken);
            var choices = new CascadeChoice[frames.Length];
            for (var i = 0; i < frames.Length; i++)
            {
                choices[i] = CascadeChoice.For(inForce, frames[i].Message.Policy, escalation.Classifier is not null);
            }

            var scored = await cascade.ScoreAsync(batch, slots, pictures, choices, head, cancellationToken);
            await PublishAsync(frames, slots, batch, scored, head);
        }
        finally
        {
            classifier.Batches.Return(batch);
        }
    }

    private async Task PublishAsync(Batch<FrameExtracted> frames, FrameSlot[] slots, FrameBatch batch, FrameScoring?[] scored, FeedbackHead.Applied? head)
    {
        var model = classifier.Model;
        var second = escalation.Classifier?.Model;
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
            if (scored[i] is { } scoring)
            {
                List<ModelScores> models = [new(model.Name, modelVersion, ScoreMap(model.Classes, scoring.First))];
                if (scoring.Second is { } secondScores)
                {
                    models.Add(new ModelScores(second!.Name, second.Version, ScoreMap(second.Classes, secondScores)));
                }

                publishes[i] = frame.Publish(new FrameClassified(
                    message.MediaId,
                    message.CorrelationId,
                    message.FrameIndex,
                    message.TimestampSeconds,
                    ScoreMap(model.Classes, scoring.Scores),
                    batch.EmbeddingOf(slot.Slot).ToArray(),
                    model.Name,
                    modelVersion,
                    classifiedAt)
                {
                    ModelConfiguration = scoring.Configuration,
                    ScoreRule = scoring.Rule,
                    ModelScores = models,
                });
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

    private static Dictionary<string, float> ScoreMap(IReadOnlyList<string> classes, float[] probabilities)
    {
        var scores = new Dictionary<string, float>(classes.Count, StringComparer.Ordinal);
        for (var c = 0; c < classes.Count; c++)
        {
            scores[classes[c]] = probabilities[c];
        }

        return scores;
    }
}
