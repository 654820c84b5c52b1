using Moderation.Contracts.V1;
using Moderation.Results.Data;

namespace Moderation.Results.Policies;

/// <summary>What a policy says about a set of class maxima, and why.</summary>
/// <param name="TriggerClass">The class whose score decided a block or review (the highest over its threshold).</param>
public sealed record PolicyDecision(Decision Decision, string? TriggerClass, float TriggerScore);

/// <summary>
/// Per-class thresholds → <c>allow | review | block</c>. Class names are whatever the model's scores carry; a class
/// without a threshold never triggers anything.
/// </summary>
public static class ModerationPolicy
{
    public static PolicyDecision Decide(PolicyVersion policy, IReadOnlyDictionary<string, float> maxima)
    {
        var block = Highest(policy.BlockThresholds, maxima);
        if (block is not null)
        {
            return new PolicyDecision(Decision.Block, block.Value.Class, block.Value.Score);
        }

        var review = Highest(policy.ReviewThresholds, maxima);
        return review is not null
            ? new PolicyDecision(Decision.Review, review.Value.Class, review.Value.Score)
            : new PolicyDecision(Decision.Allow, null, 0);
    }

    /// <summary>The lowest threshold that flags <paramref name="className"/> at all (review or block), if any.</summary>
    public static float? FlagThreshold(PolicyVersion policy, string className)
    {
        float? result = null;
        if (policy.ReviewThresholds.TryGetValue(className, out var review))
        {
            result = review;
        }

        if (policy.BlockThresholds.TryGetValue(className, out var block) && (result is null || block < result))
        {
            result = block;
        }

        return result;
    }

    /// <summary>Validation messages for thresholds submitted by an admin; empty when the policy is sound.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyDictionary<string, float> block, IReadOnlyDictionary<string, float> review)
    {
        var errors = new List<string>();
        foreach (var (name, map) in new[] { ("block", block), ("review", review) })
        {
            foreach (var (cls, threshold) in map)
            {
                if (string.IsNullOrWhiteSpace(cls) || cls.Length > 64)
                {
                    errors.Add($"{name}: class names must be 1–64 characters.");
                }

                if (!float.IsFinite(threshold) || threshold is < 0 or > 1)
                {
                    errors.Add($"{name}.{cls}: threshold must be between 0 and 1.");
                }
            }
        }

        return errors;
    }

    private static (string Class, float Score)? Highest(Dictionary<string, float> thresholds, IReadOnlyDictionary<string, float> maxima)
    {
        (string Class, float Score)? best = null;
        foreach (var (cls, threshold) in thresholds)
        {
            if (maxima.TryGetValue(cls, out var score) && score >= threshold
                && (best is null || score > best.Value.Score || (score == best.Value.Score && string.CompareOrdinal(cls, best.Value.Class) < 0)))
            {
                best = (cls, score);
            }
        }

        return best;
    }
}
