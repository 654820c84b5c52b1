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
    /// <summary>
    /// How far below a class's review threshold the cascade's uncertain band starts by default; measured on the benign
    /// corpora (docs/model.md, "The cascade"): the widest band that kept every photographic and wallpaper corpus at or
    /// under 1 % flagged and the classifier's CPU per medium under 1.6× MobileNetV2 alone.
    /// </summary>
    public const float DefaultCascadeMargin = 0.1f;

    /// <summary>
    /// The policy's model configuration and, for the cascade, its uncertain band: a class escalates from its review
    /// threshold minus <see cref="PolicyVersion.CascadeMargin"/> (its block threshold minus the margin when it has no
    /// review threshold), and a frame with any class at or above a block threshold is never escalated.
    /// </summary>
    public static PolicyBand Band(PolicyVersion policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var escalateFrom = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var cls in policy.ReviewThresholds.Keys.Concat(policy.BlockThresholds.Keys).Distinct())
        {
            escalateFrom[cls] = Math.Max(0, FlagThreshold(policy, cls)!.Value - policy.CascadeMargin);
        }

        return new PolicyBand(policy.Name, policy.Version, policy.Models, escalateFrom, new Dictionary<string, float>(policy.BlockThresholds, StringComparer.Ordinal));
    }

    /// <summary>Validation messages for a model configuration and cascade margin; empty when they are sound.</summary>
    public static IReadOnlyList<string> ValidateModels(string models, float cascadeMargin)
    {
        var errors = new List<string>();
        if (!ModelConfigurations.All.Contains(models))
        {
            errors.Add($"models: one of {string.Join(", ", ModelConfigurations.All)}.");
        }

        if (!float.IsFinite(cascadeMargin) || cascadeMargin is < 0 or > 1)
        {
            errors.Add("cascadeMargin: between 0 and 1.");
        }

        return errors;
    }
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
