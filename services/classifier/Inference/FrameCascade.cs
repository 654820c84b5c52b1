using System.Diagnostics;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Inference;

/// <summary>A frame's final scores, the configuration and rule that produced them, and every model's raw scores.</summary>
/// <param name="First">The first model's scores (after the feedback head, when one is in force).</param>
/// <param name="Second">The second model's scores; null when the frame was not escalated.</param>
public sealed record FrameScoring(float[] Scores, string Configuration, string Rule, float[] First, float[]? Second);

/// <summary>
/// The model cascade (<see cref="ModelConfigurations.CascadeV1"/>): MobileNetV2 has scored a batch; each frame whose
/// policy names the cascade and whose scores fall in that policy's uncertain band is re-scored by InceptionV3, all of the
/// batch's escalated frames in one InceptionV3 batch. A frame with any class at or above its block threshold is never
/// escalated, so its scores are never lowered; an escalated frame's final scores follow <see cref="Combine"/>: the mean
/// of the two models' scores.
/// </summary>
public sealed class FrameCascade(EscalationModel escalation, ClassifierMetrics metrics)
{
    /// <summary>The band of <paramref name="policy"/> (the default policy's for none or an unknown one); null without bands.</summary>
    public static PolicyBand? BandOf(CascadeBands? bands, string? policy)
    {
        if (bands is null)
        {
            return null;
        }

        return bands.Policies.FirstOrDefault(p => !string.IsNullOrWhiteSpace(policy) && p.Policy == policy)
            ?? bands.Policies.FirstOrDefault(p => p.Policy == bands.DefaultPolicy);
    }

    /// <summary>
    /// What the cascade does with a frame the first model scored <paramref name="scores"/>: <see cref="ScoreRules.AtBlock"/>
    /// when any class is at or above its block threshold (checked first: such a frame is never escalated),
    /// <see cref="ScoreRules.Escalated"/> when any class is at or above the score it escalates from, else
    /// <see cref="ScoreRules.OutsideBand"/>.
    /// </summary>
    public static string Decide(PolicyBand band, IReadOnlyList<string> classes, ReadOnlySpan<float> scores)
    {
        ArgumentNullException.ThrowIfNull(band);
        ArgumentNullException.ThrowIfNull(classes);
        for (var c = 0; c < classes.Count; c++)
        {
            if (band.Block.TryGetValue(classes[c], out var block) && scores[c] >= block)
            {
                return ScoreRules.AtBlock;
            }
        }

        for (var c = 0; c < classes.Count; c++)
        {
            if (band.EscalateFrom.TryGetValue(classes[c], out var from) && scores[c] >= from)
            {
                return ScoreRules.Escalated;
            }
        }

        return ScoreRules.OutsideBand;
    }

    /// <summary>
    /// Cascade v1's rule for an escalated frame: per class, the mean of the two models' scores. Measured on the benign
    /// corpora (docs/model.md, "The cascade") it cleared the same false alarms as InceptionV3's scores alone, while a frame
    /// is allowed only when InceptionV3 is confidently benign, and blocked only when both models score high: one model
    /// alone neither clears a frame MobileNetV2 scored high nor blocks one without a reviewer.
    /// </summary>
    public static float[] Combine(ReadOnlySpan<float> firstScores, ReadOnlySpan<float> secondScores)
    {
        var combined = new float[firstScores.Length];
        for (var c = 0; c < combined.Length; c++)
        {
            combined[c] = (firstScores[c] + secondScores[c]) / 2;
        }

        return combined;
    }

    /// <summary>
    /// Scores every decoded frame of <paramref name="batch"/> (already inferred by the first model, whose classes are
    /// <paramref name="classes"/>): one entry per frame, null for frames that failed to decode. A first model whose classes
    /// differ from the second's (another registered model) is never escalated: its band frames get
    /// <see cref="ScoreRules.EscalationUnavailable"/>. <paramref name="policies"/>[i] is frame i's band (null: score with the
    /// first model alone); <paramref name="pictures"/> are the encoded pictures, decoded again for the second model.
    /// </summary>
    public async Task<FrameScoring?[]> ScoreAsync(
        IReadOnlyList<string> classes,
        FrameBatch batch,
        FrameSlot[] slots,
        IReadOnlyList<FrameInput> pictures,
        IReadOnlyList<CascadeChoice> policies,
        FeedbackHead.Applied? head,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(pictures);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(classes);
        var escalates = escalation.Classifier is { } second && second.Model.Classes.SequenceEqual(classes, StringComparer.Ordinal);
        var results = new FrameScoring?[slots.Length];
        var escalated = new List<int>();
        for (var i = 0; i < slots.Length; i++)
        {
            if (!slots[i].Decoded)
            {
                continue;
            }

            var scores = batch.ScoresOf(slots[i].Slot).ToArray();
            head?.Apply(scores, batch.EmbeddingOf(slots[i].Slot));
            var choice = policies[i];
            if (choice.Configuration != ModelConfigurations.CascadeV1)
            {
                results[i] = new FrameScoring(scores, choice.Configuration, choice.Rule, scores, null);
                continue;
            }

            var rule = Decide(choice.Band!, classes, scores);
            if (rule == ScoreRules.Escalated && !escalates)
            {
                rule = ScoreRules.EscalationUnavailable;
            }

            results[i] = new FrameScoring(scores, choice.Configuration, rule, scores, null);
            if (rule == ScoreRules.Escalated)
            {
                escalated.Add(i);
            }
        }

        if (escalated.Count > 0)
        {
            await EscalateAsync(escalated, pictures, results, cancellationToken);
        }

        return results;
    }

    private async Task EscalateAsync(List<int> escalated, IReadOnlyList<FrameInput> pictures, FrameScoring?[] results, CancellationToken cancellationToken)
    {
        var second = escalation.Classifier!;
        var batch = second.Batches.Rent();
        try
        {
            FrameSlot[] slots;
            using (var activity = Telemetry.ActivitySource.StartActivity("classifier.escalate"))
            {
                activity?.SetTag("classifier.batch.size", escalated.Count);
                var started = Stopwatch.GetTimestamp();
                slots = escalation.Preprocessor!.Fill(batch, [.. escalated.Select(i => pictures[i])]);
                metrics.Preprocessed(Stopwatch.GetElapsedTime(started));
            }

            await second.ClassifyAsync(batch, cancellationToken);
            metrics.Escalated(escalated.Count);
            for (var k = 0; k < escalated.Count; k++)
            {
                var frame = results[escalated[k]]!;
                if (!slots[k].Decoded)
                {
                    // Decoded for the first model, so only a limit of the second's input could refuse it: keep the first scores.
                    results[escalated[k]] = frame with { Rule = ScoreRules.EscalationUnavailable };
                    continue;
                }

                var secondScores = batch.ScoresOf(slots[k].Slot).ToArray();
                results[escalated[k]] = frame with { Scores = Combine(frame.First, secondScores), Second = secondScores };
            }
        }
        finally
        {
            second.Batches.Return(batch);
        }
    }
}

/// <summary>How a frame is to be scored: its policy's configuration, and for the cascade its band.</summary>
/// <param name="Rule">The rule when the first model alone scores it (<see cref="ScoreRules.SingleModel"/> or <see cref="ScoreRules.EscalationUnavailable"/>).</param>
public sealed record CascadeChoice(string Configuration, PolicyBand? Band, string Rule)
{
    /// <summary>The choice for a frame of <paramref name="policy"/> on a worker with (or without) a second model.</summary>
    public static CascadeChoice For(CascadeBands? bands, string? policy, bool hasSecondModel)
    {
        if (!hasSecondModel)
        {
            return new CascadeChoice(ModelConfigurations.MobileNetV2, null, ScoreRules.SingleModel);
        }

        return FrameCascade.BandOf(bands, policy) switch
        {
            null => new CascadeChoice(ModelConfigurations.MobileNetV2, null, ScoreRules.EscalationUnavailable),
            { Models: ModelConfigurations.CascadeV1 } band => new CascadeChoice(ModelConfigurations.CascadeV1, band, ScoreRules.Escalated),
            var band => new CascadeChoice(band.Models, null, ScoreRules.SingleModel),
        };
    }
}
