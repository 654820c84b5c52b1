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
public static partial class ModerationPolicy
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

    /// <summary>The most reason codes one policy defines: a desk shows them all, so the list stays short enough to read.</summary>
    public const int MaxReasonCodes = 32;

    /// <summary>Validation messages for a policy's description and reason codes; empty when they are sound.</summary>
    public static IReadOnlyList<string> ValidateGuidance(PolicyGuidance guidance)
    {
        var errors = new List<string>();
        if (guidance.Description is { Length: > 4096 })
        {
            errors.Add("description: at most 4096 characters.");
        }

        if (guidance.ReasonCodes.Count > MaxReasonCodes)
        {
            errors.Add($"reasonCodes: at most {MaxReasonCodes}.");
        }

        foreach (var code in guidance.ReasonCodes)
        {
            if (code.Code is null || !ReasonCodeName().IsMatch(code.Code))
            {
                errors.Add($"reasonCodes: code '{code.Code}' must be 1–64 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit.");
            }

            if (string.IsNullOrWhiteSpace(code.Label) || code.Label.Length > 128)
            {
                errors.Add($"reasonCodes.{code.Code}: a label of 1–128 characters.");
            }

            if (code.Description is { Length: > 1024 })
            {
                errors.Add($"reasonCodes.{code.Code}: a description of at most 1024 characters.");
            }
        }

        foreach (var duplicate in guidance.ReasonCodes.GroupBy(c => c.Code, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"reasonCodes: '{duplicate.Key}' is defined twice.");
        }

        if (guidance.RequireBlockReason && guidance.ReasonCodes.Count == 0)
        {
            errors.Add("requireBlockReason: define the reason codes a block may carry.");
        }

        return errors;
    }

    /// <summary>
    /// Why a reviewer's decision cannot carry <paramref name="reasonCode"/> under <paramref name="policy"/>, or null when it
    /// can: an unknown code, or none on a block where the policy requires one.
    /// </summary>
    public static string? ReasonCodeProblem(PolicyVersion policy, Decision decision, string? reasonCode)
    {
        var allowed = policy.ReasonCodes.Select(c => c.Code).ToList();
        var list = allowed.Count == 0 ? "it defines none" : "one of " + string.Join(", ", allowed);
        if (reasonCode is not null)
        {
            return allowed.Contains(reasonCode, StringComparer.Ordinal) ? null
                : $"Reason code '{reasonCode}' is not one of policy '{policy.Name}' (v{policy.Version}): {list}.";
        }

        return decision == Decision.Block && policy.RequireBlockReason
            ? $"Policy '{policy.Name}' (v{policy.Version}) requires a reason code for block: send \"reasonCode\", {list}."
            : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex ReasonCodeName();

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
