using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;

namespace Moderation.Results.Evaluation;

public sealed record RateSummary(int TruePositives, int FalsePositives, int FalseNegatives, int TrueNegatives, double? Precision, double? Recall,
    double? FalsePositiveRate, double? F1)
{
    public static RateSummary From(ConfusionCounts c) =>
        new(c.TruePositives, c.FalsePositives, c.FalseNegatives, c.TrueNegatives, c.Precision, c.Recall, c.FalsePositiveRate, c.F1);
}

/// <param name="Flagged">Automatic review-or-block against the reviewer's block.</param>
/// <param name="Blocked">Automatic block against the reviewer's block.</param>
public sealed record ModelEvaluation(string ModelVersion, int ReviewedMedia, RateSummary Flagged, RateSummary Blocked, IReadOnlyList<ClassEvaluation> Classes);

/// <summary>Per class: "the policy flagged this class" (max score ≥ the policy's lowest threshold for it) against the reviewer's label.</summary>
public sealed record ClassEvaluation(string Class, int Labelled, RateSummary Rates);

public sealed record EvaluationReport(DateTimeOffset GeneratedAt, DateTimeOffset? Since, DateTimeOffset? Until, int ReviewedMedia, IReadOnlyList<ModelEvaluation> Models);

public sealed record ClassRecommendation(string Class, string? ModelVersion, float? CurrentThreshold, ThresholdRecommendation Recommendation);

/// <summary>
/// Measures the automatic decisions against reviewer feedback (the latest feedback per medium), and recommends
/// thresholds from the ROC/PR curves over reviewed items.
/// </summary>
public sealed class EvaluationService(ResultsDbContext db, PolicyStore policies, TimeProvider clock)
{
    private sealed record Reviewed(Guid MediaId, string ModelVersion, Decision Automatic, Decision Reviewer, Dictionary<string, bool> Labels,
        List<ClassMaximum> Maxima, string PolicyName, int PolicyVersion);

    /// <param name="clientId">Only this client's media; null: every client's.</param>
    public async Task<EvaluationReport> ReportAsync(DateTimeOffset? since, DateTimeOffset? until, string? modelVersion, string? clientId,
        CancellationToken cancellationToken)
    {
        var reviewed = await LoadAsync(since, until, modelVersion, clientId, cancellationToken);
        var policyCache = new Dictionary<(string, int), PolicyVersion?>();
        foreach (var key in reviewed.Select(r => (r.PolicyName, r.PolicyVersion)).Distinct())
        {
            policyCache[key] = await policies.FindAsync(key.PolicyName, key.PolicyVersion, cancellationToken);
        }

        var models = reviewed.GroupBy(r => r.ModelVersion).OrderBy(g => g.Key, StringComparer.Ordinal).Select(group =>
        {
            var flagged = ConfusionCounts.Count(group.Select(r => (r.Automatic != Decision.Allow, r.Reviewer == Decision.Block)));
            var blocked = ConfusionCounts.Count(group.Select(r => (r.Automatic == Decision.Block, r.Reviewer == Decision.Block)));
            var classes = group.SelectMany(r => r.Labels.Keys).Distinct().Order(StringComparer.Ordinal).Select(cls =>
            {
                var outcomes = group.Where(r => r.Labels.ContainsKey(cls)).Select(r =>
                {
                    var policy = policyCache[(r.PolicyName, r.PolicyVersion)];
                    var threshold = policy is null ? null : ModerationPolicy.FlagThreshold(policy, cls);
                    var predicted = threshold is not null && ScoreOf(r.Maxima, cls) >= threshold;
                    return (predicted, r.Labels[cls]);
                }).ToList();
                return new ClassEvaluation(cls, outcomes.Count, RateSummary.From(ConfusionCounts.Count(outcomes)));
            }).ToList();
            return new ModelEvaluation(group.Key, group.Count(), RateSummary.From(flagged), RateSummary.From(blocked), classes);
        }).ToList();

        return new EvaluationReport(clock.GetUtcNow(), since, until, reviewed.Count, models);
    }

    /// <param name="clientId">Only this client's reviewed media; null: every client's.</param>
    /// <exception cref="InsufficientFeedbackException">Too few reviewed items with a label for the class.</exception>
    public async Task<ClassRecommendation> RecommendAsync(string className, RecommendationTarget target, double value, string? modelVersion,
        string policyName, DateTimeOffset? since, string? clientId, CancellationToken cancellationToken)
    {
        var reviewed = await LoadAsync(since, null, modelVersion, clientId, cancellationToken);
        var items = reviewed.Where(r => r.Labels.ContainsKey(className))
            .Select(r => new LabelledScore(ScoreOf(r.Maxima, className), r.Labels[className]))
            .ToList();
        var recommendation = ThresholdAnalysis.Recommend(items, target, value);
        var current = await policies.LatestAsync(policyName, cancellationToken);
        return new ClassRecommendation(className, modelVersion, current is null ? null : ModerationPolicy.FlagThreshold(current, className), recommendation);
    }

    private async Task<List<Reviewed>> LoadAsync(DateTimeOffset? since, DateTimeOffset? until, string? modelVersion, string? clientId,
        CancellationToken cancellationToken)
    {
        var feedback = db.ReviewFeedback.AsNoTracking();
        if (clientId is not null)
        {
            feedback = feedback.Where(f => db.Media.Any(m => m.Id == f.MediaId && m.ClientId == clientId));
        }

        if (since is not null)
        {
            feedback = feedback.Where(f => f.CreatedAt >= since);
        }

        if (until is not null)
        {
            feedback = feedback.Where(f => f.CreatedAt < until);
        }

        if (!string.IsNullOrEmpty(modelVersion))
        {
            feedback = feedback.Where(f => f.ModelVersion == modelVersion);
        }

        var rows = await feedback
            .Join(db.Verdicts.AsNoTracking(), f => f.MediaId, v => v.MediaId, (f, v) => new { Feedback = f, v.Maxima })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.Feedback.MediaId)
            .Select(g => g.OrderByDescending(r => r.Feedback.CreatedAt).First())
            .Select(r => new Reviewed(r.Feedback.MediaId, r.Feedback.ModelVersion, r.Feedback.AutomaticDecision, r.Feedback.Decision, r.Feedback.Labels,
                r.Maxima, r.Feedback.PolicyName, r.Feedback.PolicyVersion))
            .ToList();
    }

    private static float ScoreOf(List<ClassMaximum> maxima, string className) =>
        maxima.FirstOrDefault(m => m.Class == className)?.Score ?? 0f;
}
