using System.Diagnostics;
using MassTransit;
using Moderation.Classifier.Inference;
using Moderation.Classifier.Registry;
using Moderation.Contracts.V1;
using Moderation.Pdq;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Consumers;

/// <summary>
/// Scores a batch of <see cref="FrameExtracted"/> frames with one inference call and publishes a
/// <see cref="FrameClassified"/> for each, or a <see cref="FrameFailed"/> for a frame that cannot be read or decoded,
/// without failing its batch-mates. The frames are acknowledged when this returns, that is after every publish is confirmed.
/// Redelivered frames are scored again; results de-duplicates on (MediaId, FrameIndex, ModelVersion). The model is the
/// registry's active version when the worker follows one (<see cref="ModelLanes"/>), and a registered shadow version
/// scores the frames of its share of media as well (<see cref="FrameShadowScored"/>, never acting on the verdict).
/// Live frames of policies naming the cascade go through <see cref="FrameCascade"/> after the active model, which
/// re-scores those in the policy's uncertain band with the second model; the shadow scores with its model alone.
/// A still's frame (<see cref="FrameExtracted.MatchKnownContent"/>) is PDQ-hashed from its decode, and the batch's hashes
/// go to results in one batch of questions before the model runs: a still that known content decides (a bank match, a
/// near-duplicate of a decided still) is withheld from the model and publishes nothing, since results decided it.
/// </summary>
public sealed class FrameClassificationConsumer(
    ModelLanes lanes,
    BulkLaneGate bulkLane,
    FrameCascade cascade,
    CascadeBandsCache bands,
    EscalationModel escalation,
    FrameImageLoader loader,
    HeatmapWriter heatmaps,
    KnownStills knownStills,
    ClassifierMetrics metrics,
    TimeProvider time,
    ILogger<FrameClassificationConsumer> logger) : IConsumer<Batch<FrameExtracted>>
{
    public async Task Consume(ConsumeContext<Batch<FrameExtracted>> context)
    {
        var frames = context.Message;
        var cancellationToken = context.CancellationToken;
        var received = time.GetUtcNow();
        var models = await lanes.LiveAsync(cancellationToken);
        bulkLane.LiveStarted(frames.Length);
        try
        {
            await ConsumeAsync(frames, models, received, cancellationToken);
        }
        finally
        {
            bulkLane.LiveFinished(frames.Length);
        }
    }

    private async Task ConsumeAsync(Batch<FrameExtracted> frames, LiveModels models, DateTimeOffset received, CancellationToken cancellationToken)
    {
        var active = models.Active;
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

        var batch = active.Classifier.Batches.Rent();
        HashSet<int> withheld;
        try
        {
            FrameSlot[] slots;
            using (var activity = Telemetry.ActivitySource.StartActivity("classifier.preprocess"))
            {
                activity?.SetTag("classifier.batch.size", frames.Length);
                var started = Stopwatch.GetTimestamp();
                slots = active.Preprocessor.Fill(batch, pictures);
                metrics.Preprocessed(Stopwatch.GetElapsedTime(started));
            }

            withheld = [.. await DecidedByKnownContentAsync(frames, slots, cancellationToken)];
            FramePreprocessor.Withhold(batch, slots, withheld);
            await active.Classifier.ClassifyAsync(batch, cancellationToken);

            // One set of bands for the whole batch, even if new ones arrive meanwhile.
            var inForce = await bands.GetAsync(cancellationToken);
            var choices = new CascadeChoice[frames.Length];
            for (var i = 0; i < frames.Length; i++)
            {
                choices[i] = CascadeChoice.For(inForce, frames[i].Message.Policy, escalation.Classifier is not null);
            }

            var scored = await cascade.ScoreAsync(active.Classifier.Model.Classes, batch, slots, pictures, choices, active.Head, cancellationToken);
            await PublishAsync(frames, slots, batch, scored, active);
        }
        finally
        {
            active.Classifier.Batches.Return(batch);
        }

        if (models.Shadow is { } shadow)
        {
            await ShadowAsync(frames, pictures, withheld, models, shadow, cancellationToken);
        }
    }

    /// <summary>
    /// Asks results, all at once, about the batch's hashed stills; answers the indices of the frames known content
    /// decided. Results recorded their hashes either way.
    /// </summary>
    private async Task<List<int>> DecidedByKnownContentAsync(Batch<FrameExtracted> frames, FrameSlot[] slots, CancellationToken cancellationToken)
    {
        List<(int Index, MatchFrameHash Question)> questions = [];
        for (var i = 0; i < frames.Length; i++)
        {
            if (slots[i] is { Decoded: true, Hash: { } hash })
            {
                var frame = frames[i].Message;
                questions.Add((i, new MatchFrameHash(frame.MediaId, frame.CorrelationId, frame.ClientId, frame.Policy, MediaKind.Still,
                    frame.FrameIndex, frame.TimestampSeconds, hash.Original.ToHex(), hash.Quality,
                    [.. hash.Hashes.Where((_, k) => k != (int)PdqDihedral.Original).Select(h => h.ToHex())])));
            }
        }

        if (questions.Count == 0)
        {
            return [];
        }

        var answers = await knownStills.AskAsync(questions.Select(q => q.Question), cancellationToken);
        var decided = questions.Where((_, k) => answers[k].Outcome != FrameHashOutcome.Classify).Select(q => q.Index).ToList();
        metrics.KnownContent(decided.Count);
        return decided;
    }

    /// <summary>Scores the frames of the shadowed media with the shadow version too and reports those scores, which never act.</summary>
    private async Task ShadowAsync(Batch<FrameExtracted> frames, FrameInput[] pictures, HashSet<int> withheld, LiveModels models, LoadedModel shadow,
        CancellationToken cancellationToken)
    {
        var chosen = Enumerable.Range(0, frames.Length).Where(i => !withheld.Contains(i) && models.Shadows(frames[i].Message.MediaId)).ToArray();
        if (chosen.Length == 0)
        {
            return;
        }

        var batch = shadow.Classifier.Batches.Rent();
        try
        {
            var slots = shadow.Preprocessor.Fill(batch, [.. chosen.Select(i => pictures[i] with { Hash = false })]);
            await shadow.Classifier.ClassifyAsync(batch, cancellationToken);
            var model = shadow.Classifier.Model;
            var publishes = new List<Task>(chosen.Length);
            for (var c = 0; c < chosen.Length; c++)
            {
                if (!slots[c].Decoded)
                {
                    continue;
                }

                var frame = frames[chosen[c]];
                var message = frame.Message;
                publishes.Add(frame.Publish(new FrameShadowScored(message.MediaId, message.CorrelationId, message.FrameIndex, message.TimestampSeconds,
                    shadow.Registration!.Name, shadow.ScoreVersion,
                    Scores(model.Classes, batch.ScoresOf(slots[c].Slot), batch.EmbeddingOf(slots[c].Slot), shadow.Head)), cancellationToken));
            }

            await Task.WhenAll(publishes);
        }
        finally
        {
            shadow.Classifier.Batches.Return(batch);
        }
    }

    private async Task PublishAsync(Batch<FrameExtracted> frames, FrameSlot[] slots, FrameBatch batch, FrameScoring?[] scored, LoadedModel active)
    {
        var model = active.Classifier.Model;
        var second = escalation.Classifier?.Model;
        // One head for the whole batch (the cascade applied it), even if a new one is loaded meanwhile: its version goes with the scores.
        var modelVersion = active.ScoreVersion;
        var classifiedAt = time.GetUtcNow();
        var publishes = new Task[frames.Length];
        var failed = 0;
        var known = 0;
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

                var scores = ScoreMap(model.Classes, scoring.Scores);
                var classified = new FrameClassified(
                    message.MediaId,
                    message.CorrelationId,
                    message.FrameIndex,
                    message.TimestampSeconds,
                    scores,
                    batch.EmbeddingOf(slot.Slot).ToArray(),
                    model.Name,
                    modelVersion,
                    classifiedAt)
                {
                    ModelConfiguration = scoring.Configuration,
                    ScoreRule = scoring.Rule,
                    ModelScores = models,
                };

                // The maps are the active model's activations; the classes drawn follow the final scores.
                var frameHeatmaps = heatmaps.Render(model.Classes, scores, batch.ActivationsOf(slot.Slot), model.Outputs.ClassActivation);
                publishes[i] = frameHeatmaps.Count == 0 ? frame.Publish(classified) : PublishWithHeatmapsAsync(frame, classified, frameHeatmaps);
                continue;
            }

            if (slot.Withheld)
            {
                publishes[i] = Task.CompletedTask;
                known++;
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
        metrics.Classified(frames.Length - failed - known);
        if (failed > 0)
        {
            metrics.Failed(failed);
        }

        logger.LogDebug("Classified a batch of {FrameCount} frames ({FailedCount} undecodable)", frames.Length, failed);
    }

    /// <summary>The frame's heatmaps are stored before its scores go out, so whoever reads the scores finds them.</summary>
    private async Task PublishWithHeatmapsAsync(ConsumeContext<FrameExtracted> frame, FrameClassified classified, IReadOnlyList<Heatmap> frameHeatmaps)
    {
        var stored = await heatmaps.StoreAsync(classified.MediaId, classified.FrameIndex, frameHeatmaps, frame.Message.ImageBlobKey, frame.CancellationToken);
        await frame.Publish(classified with { HeatmapClasses = stored });
    }

    /// <summary>The base model's probabilities, with the feedback head's in place of those of the classes it covers.</summary>
    internal static Dictionary<string, float> Scores(IReadOnlyList<string> classes, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> embedding, FeedbackHead.Applied? head)
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
