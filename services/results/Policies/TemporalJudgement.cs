using Moderation.Contracts.V1;
using Moderation.Results.Data;

namespace Moderation.Results.Policies;

/// <summary>The defaults of a policy's temporal rules for videos and animations (<see cref="PolicyVersion"/>).</summary>
public static class PolicyDefaults
{
    public const int CorroborationFrames = 2;
    public const double CorroborationSeconds = 2;
    public const int SmoothingWindow = 1;

    public const int MaxCorroborationFrames = 100;
    public const double MaxCorroborationSeconds = 600;
    public const int MaxSmoothingWindow = 15;
}

/// <summary>A policy's temporal rules for videos and animations (see <see cref="PolicyVersion"/>).</summary>
public sealed record TemporalRules(int CorroborationFrames, double CorroborationSeconds, int SmoothingWindow)
{
    public static readonly TemporalRules Default = new(PolicyDefaults.CorroborationFrames, PolicyDefaults.CorroborationSeconds, PolicyDefaults.SmoothingWindow);

    public static TemporalRules Of(PolicyVersion policy) => new(policy.CorroborationFrames, policy.CorroborationSeconds, policy.SmoothingWindow);

    /// <summary>Validation messages; empty when the rules are sound.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (CorroborationFrames is < 1 or > PolicyDefaults.MaxCorroborationFrames)
        {
            errors.Add($"corroborationFrames: between 1 and {PolicyDefaults.MaxCorroborationFrames} (1 blocks on a single frame).");
        }

        if (!double.IsFinite(CorroborationSeconds) || CorroborationSeconds is < 0 or > PolicyDefaults.MaxCorroborationSeconds)
        {
            errors.Add($"corroborationSeconds: between 0 and {PolicyDefaults.MaxCorroborationSeconds} (0 switches the time criterion off).");
        }

        if (SmoothingWindow is < 1 or > PolicyDefaults.MaxSmoothingWindow || SmoothingWindow % 2 == 0)
        {
            errors.Add($"smoothingWindow: an odd number of samples from 1 (no smoothing) to {PolicyDefaults.MaxSmoothingWindow}.");
        }

        return errors;
    }
}

/// <summary>One sampled frame of a video or animation: its scores per class (the highest any model gave it).</summary>
public sealed record FrameSample(int FrameIndex, double TimestampSeconds, IReadOnlyDictionary<string, float> Scores);

/// <summary>What a policy says about the sampled frames of a video or animation, and why.</summary>
/// <param name="TriggerFrameIndex">The frame of the trigger score (the highest of the trigger class over its threshold).</param>
public sealed record TemporalDecision(PolicyDecision Decision, int? TriggerFrameIndex, IReadOnlyList<FlaggedSegment> Segments);

/// <summary>
/// The policy over time, for videos and animations: optional smoothing of each class's scores over neighbouring
/// samples, flagged segments (runs of consecutive samples over a threshold), and corroboration — a class blocks only when
/// at least <see cref="PolicyVersion.CorroborationFrames"/> samples are over its block threshold, or one run of them
/// spans at least <see cref="PolicyVersion.CorroborationSeconds"/> between its first and last timestamps. A block
/// threshold crossed without corroboration sends the medium to review, its segments saying when. Stills are judged
/// by <see cref="ModerationPolicy.Decide"/> alone.
/// </summary>
/// <remarks>
/// The frames at hand may be a part of the medium (an early exit is judged while extraction runs): a sample counts
/// towards a block only when every neighbour its smoothing window reaches is scored, so the decision made early is the
/// one the whole medium would get for those frames; runs break where a sample is still missing.
/// </remarks>
public static class TemporalJudgement
{
    /// <param name="frames">The scored samples, in any order, one per frame index.</param>
    /// <param name="expectedFrames">How many samples the medium has, when extraction said so; samples beyond are not waited for.</param>
    /// <param name="intervalSeconds">Planned seconds between samples: how long the last sample of a run stands for.</param>
    /// <param name="durationSeconds">The medium's duration, the latest a segment can end.</param>
    public static TemporalDecision Decide(PolicyVersion policy, IReadOnlyCollection<FrameSample> frames, int? expectedFrames, double? intervalSeconds,
        double? durationSeconds)
    {
        var samples = frames.OrderBy(f => f.FrameIndex).ToList();
        var byIndex = samples.ToDictionary(f => f.FrameIndex);
        var half = Math.Max(policy.SmoothingWindow, 1) / 2;
        var complete = samples.Select(f => WindowComplete(f.FrameIndex, half, byIndex, expectedFrames)).ToList();

        var classes = policy.BlockThresholds.Keys.Concat(policy.ReviewThresholds.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var segments = new List<FlaggedSegment>();
        (string Class, float Score, int FrameIndex)? block = null, review = null;
        foreach (var cls in classes)
        {
            var scores = Smoothed(samples, cls, half, byIndex);
            if (policy.ReviewThresholds.TryGetValue(cls, out var reviewThreshold))
            {
                var runs = Runs(samples, scores, reviewThreshold, complete: null);
                segments.AddRange(runs.Select(run => Segment(cls, Decision.Review, run, samples, scores, byIndex, intervalSeconds, durationSeconds, corroborated: false)));
                foreach (var run in runs)
                {
                    Keep(ref review, cls, run, scores, samples);
                }
            }

            if (policy.BlockThresholds.TryGetValue(cls, out var blockThreshold))
            {
                var runs = Runs(samples, scores, blockThreshold, complete);
                var over = runs.Sum(run => run.Count);
                foreach (var run in runs)
                {
                    var corroborated = over >= Math.Max(policy.CorroborationFrames, 1) || Spans(run, samples, policy.CorroborationSeconds);
                    segments.Add(Segment(cls, Decision.Block, run, samples, scores, byIndex, intervalSeconds, durationSeconds, corroborated));
                    if (corroborated)
                    {
                        Keep(ref block, cls, run, scores, samples);
                    }
                    else
                    {
                        // A spike over the block threshold that nothing corroborates goes to a reviewer.
                        Keep(ref review, cls, run, scores, samples);
                    }
                }

                // Samples whose smoothing window is not yet complete still flag the class for review, never block it.
                foreach (var run in Runs(samples, scores, blockThreshold, complete: null))
                {
                    Keep(ref review, cls, run, scores, samples);
                }
            }
        }

        var ordered = segments.OrderBy(s => s.Class, StringComparer.Ordinal).ThenBy(s => s.Threshold).ThenBy(s => s.StartSeconds).ToList();
        return block is { } b ? new(new PolicyDecision(Decision.Block, b.Class, b.Score), b.FrameIndex, ordered)
            : review is { } r ? new(new PolicyDecision(Decision.Review, r.Class, r.Score), r.FrameIndex, ordered)
            : new(new PolicyDecision(Decision.Allow, null, 0), null, ordered);
    }

    /// <summary>Every neighbour the window reaches, within the medium, is scored.</summary>
    private static bool WindowComplete(int index, int half, Dictionary<int, FrameSample> byIndex, int? expectedFrames)
    {
        for (var neighbour = Math.Max(index - half, 0); neighbour <= index + half; neighbour++)
        {
            if ((expectedFrames is not int count || neighbour < count) && !byIndex.ContainsKey(neighbour))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The class's score of each sample, averaged over the scored samples of its window.</summary>
    private static float[] Smoothed(List<FrameSample> samples, string cls, int half, Dictionary<int, FrameSample> byIndex)
    {
        var result = new float[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            double sum = 0;
            var count = 0;
            for (var neighbour = samples[i].FrameIndex - half; neighbour <= samples[i].FrameIndex + half; neighbour++)
            {
                if (byIndex.TryGetValue(neighbour, out var sample))
                {
                    sum += sample.Scores.GetValueOrDefault(cls);
                    count++;
                }
            }

            result[i] = (float)(sum / count);
        }

        return result;
    }

    /// <summary>Runs of consecutive frame indices (positions into <paramref name="samples"/>) at or over the threshold.</summary>
    private static List<List<int>> Runs(List<FrameSample> samples, float[] scores, float threshold, List<bool>? complete)
    {
        var runs = new List<List<int>>();
        List<int>? current = null;
        for (var i = 0; i < samples.Count; i++)
        {
            if (scores[i] >= threshold && (complete is null || complete[i]))
            {
                if (current is null || samples[current[^1]].FrameIndex != samples[i].FrameIndex - 1)
                {
                    current = [];
                    runs.Add(current);
                }

                current.Add(i);
            }
            else
            {
                current = null;
            }
        }

        return runs;
    }

    private static bool Spans(List<int> run, List<FrameSample> samples, double seconds) =>
        seconds > 0 && samples[run[^1]].TimestampSeconds - samples[run[0]].TimestampSeconds >= seconds;

    private static void Keep(ref (string Class, float Score, int FrameIndex)? best, string cls, List<int> run, float[] scores, List<FrameSample> samples)
    {
        var top = run.MaxBy(i => scores[i]);
        var score = scores[top];
        if (best is null || score > best.Value.Score || (score == best.Value.Score && string.CompareOrdinal(cls, best.Value.Class) < 0))
        {
            best = (cls, score, samples[top].FrameIndex);
        }
    }

    private static FlaggedSegment Segment(string cls, Decision threshold, List<int> run, List<FrameSample> samples, float[] scores,
        Dictionary<int, FrameSample> byIndex, double? intervalSeconds, double? durationSeconds, bool corroborated)
    {
        var first = samples[run[0]];
        var last = samples[run[^1]];
        var top = run.MaxBy(i => scores[i]);
        return new FlaggedSegment(cls, threshold, first.TimestampSeconds, EndOf(last, byIndex, intervalSeconds, durationSeconds), scores[top],
            samples[top].FrameIndex, run.Count, corroborated);
    }

    /// <summary>A sample stands for the medium until the next sample's timestamp, or for one interval (within the medium) after the last.</summary>
    private static double EndOf(FrameSample sample, Dictionary<int, FrameSample> byIndex, double? intervalSeconds, double? durationSeconds)
    {
        if (byIndex.TryGetValue(sample.FrameIndex + 1, out var next))
        {
            return Math.Max(next.TimestampSeconds, sample.TimestampSeconds);
        }

        var end = sample.TimestampSeconds + (intervalSeconds is > 0 and var interval ? interval : 0);
        return durationSeconds is > 0 and var duration ? Math.Max(Math.Min(end, duration), sample.TimestampSeconds) : end;
    }
}
