using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;

namespace Moderation.Results.Registry;

public sealed record ShadowReport(string Name, string? ActiveVersion, string ShadowVersion, int MediaScored, IReadOnlyList<PolicyShadowReport> Policies);

/// <param name="MediaCompared">Media of the policy scored by the shadow on every frame the deciding verdict scored.</param>
public sealed record PolicyShadowReport(string Policy, int MediaCompared, int Changed, IReadOnlyList<ShadowChange> Changes, ModelQuality Active, ModelQuality Shadow);

public sealed record ShadowChange(Guid MediaId, Decision ActiveDecision, Decision ShadowDecision, string? ShadowTrigger, IReadOnlyList<ShadowFrame> Frames);

public sealed record ShadowFrame(int FrameIndex, double TimestampSeconds, IReadOnlyDictionary<string, float>? Active, IReadOnlyDictionary<string, float> Shadow);

/// <summary>
/// Decisions against the latest reviewer decision of each reviewed medium, <c>block</c> being the positive class:
/// precision = blocked and confirmed / blocked, recall = blocked and confirmed / confirmed. Null where undefined.
/// </summary>
public sealed record ModelQuality(string Version, int Labelled, int TruePositives, int FalsePositives, int FalseNegatives, double? Precision, double? Recall)
{
    public static ModelQuality Of(string version, IEnumerable<(Decision Predicted, Decision Truth)> pairs)
    {
        int labelled = 0, tp = 0, fp = 0, fn = 0;
        foreach (var (predicted, truth) in pairs)
        {
            labelled++;
            var p = predicted == Decision.Block;
            var t = truth == Decision.Block;
            tp += p && t ? 1 : 0;
            fp += p && !t ? 1 : 0;
            fn += !p && t ? 1 : 0;
        }

        return new(version, labelled, tp, fp, fn, tp + fp == 0 ? null : (double)tp / (tp + fp), tp + fn == 0 ? null : (double)tp / (tp + fn));
    }
}

/// <summary>
/// What the shadow version would have decided on the live media it scored, under the policy version each medium was
/// decided with, against what the active version decided.
/// </summary>
public sealed class ShadowReports(ResultsDbContext db, PolicyStore policies)
{
    public async Task<ShadowReport?> BuildAsync(string name, string? version, int limit, CancellationToken cancellationToken)
    {
        var deployment = await db.ModelDeployments.AsNoTracking().SingleOrDefaultAsync(d => d.Name == name, cancellationToken);
        var shadow = version ?? deployment?.ShadowVersion;
        if (shadow is null)
        {
            return null;
        }

        var media = await db.ModelFrameScores.AsNoTracking().Where(f => f.ModelName == name && f.ModelVersion == shadow)
            .GroupBy(f => f.MediaId).Select(g => new { MediaId = g.Key, Last = g.Max(f => f.ReceivedAt) })
            .OrderByDescending(g => g.Last).Take(limit).Select(g => g.MediaId).ToListAsync(cancellationToken);
        var shadowFrames = (await db.ModelFrameScores.AsNoTracking()
                .Where(f => f.ModelName == name && f.ModelVersion == shadow && media.Contains(f.MediaId) && f.Scores != null).ToListAsync(cancellationToken))
            .ToLookup(f => f.MediaId);
        var verdicts = await db.Verdicts.AsNoTracking().Where(v => media.Contains(v.MediaId)).ToDictionaryAsync(v => v.MediaId, cancellationToken);
        var activeFrames = (await db.FrameScores.AsNoTracking().Where(f => media.Contains(f.MediaId)).ToListAsync(cancellationToken))
            .Where(f => verdicts.TryGetValue(f.MediaId, out var v) && f.ModelVersion == v.ModelVersion).ToLookup(f => f.MediaId);
        var labels = (await db.ReviewFeedback.AsNoTracking().Where(r => media.Contains(r.MediaId)).ToListAsync(cancellationToken))
            .GroupBy(r => r.MediaId).ToDictionary(g => g.Key, g => g.MaxBy(r => r.CreatedAt)!.Decision);

        var compared = new List<(string Policy, Guid MediaId, Decision Active, PolicyDecision Shadow, IReadOnlyList<ShadowFrame> Frames)>();
        var policyCache = new Dictionary<(string, int), PolicyVersion?>();
        foreach (var mediaId in media)
        {
            if (!verdicts.TryGetValue(mediaId, out var verdict))
            {
                continue;
            }

            var active = activeFrames[mediaId].ToDictionary(f => f.FrameIndex);
            var byShadow = shadowFrames[mediaId].ToDictionary(f => f.FrameIndex);
            if (active.Count == 0 || active.Keys.Any(i => !byShadow.ContainsKey(i)))
            {
                continue;
            }

            if (!policyCache.TryGetValue((verdict.PolicyName, verdict.PolicyVersion), out var policy))
            {
                policy = policyCache[(verdict.PolicyName, verdict.PolicyVersion)] = await policies.FindAsync(verdict.PolicyName, verdict.PolicyVersion, cancellationToken);
            }

            if (policy is null)
            {
                continue;
            }

            var frames = active.Keys.Order().Select(i => byShadow[i]).ToList();
            var decision = ModerationPolicy.Decide(policy, Maxima(frames.Select(f => f.Scores!)));
            compared.Add((verdict.PolicyName, mediaId, verdict.Decision, decision,
                [.. frames.Select(f => new ShadowFrame(f.FrameIndex, f.TimestampSeconds, active[f.FrameIndex].Scores, f.Scores!))]));
        }

        var reports = compared.GroupBy(c => c.Policy).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var changes = g.Where(c => c.Active != c.Shadow.Decision)
                .Select(c => new ShadowChange(c.MediaId, c.Active, c.Shadow.Decision, c.Shadow.TriggerClass, c.Frames)).ToList();
            var labelled = g.Where(c => labels.ContainsKey(c.MediaId)).ToList();
            return new PolicyShadowReport(g.Key, g.Count(), changes.Count, changes,
                ModelQuality.Of(deployment?.ActiveVersion ?? "", labelled.Select(c => (c.Active, labels[c.MediaId]))),
                ModelQuality.Of(shadow, labelled.Select(c => (c.Shadow.Decision, labels[c.MediaId]))));
        }).ToList();
        return new ShadowReport(name, deployment?.ActiveVersion, shadow, media.Count, reports);
    }

    /// <summary>The maximum of each class over the frames.</summary>
    public static Dictionary<string, float> Maxima(IEnumerable<IReadOnlyDictionary<string, float>> frames)
    {
        var maxima = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var scores in frames)
        {
            foreach (var (cls, score) in scores)
            {
                if (!maxima.TryGetValue(cls, out var best) || score > best)
                {
                    maxima[cls] = score;
                }
            }
        }

        return maxima;
    }
}
