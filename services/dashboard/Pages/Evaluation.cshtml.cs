using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Dashboard.Charts;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>Precision and recall against reviewer feedback, and the threshold recommendation an admin may apply.</summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class EvaluationModel(ResultsClient results, IOptions<DashboardOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "class")]
    public string? Class { get; set; }

    [BindProperty(SupportsGet = true)]
    public double? TargetRecall { get; set; }

    [BindProperty(SupportsGet = true)]
    public string Policy { get; set; } = "default";

    [BindProperty(SupportsGet = true)]
    public ThresholdLevel Level { get; set; } = ThresholdLevel.Review;

    [TempData]
    public string? Notice { get; set; }

    public EvaluationReport Report { get; private set; } = null!;

    public IReadOnlyList<PolicyView> Policies { get; private set; } = [];

    public IReadOnlyList<string> Classes { get; private set; } = [];

    public ClassRecommendation? Recommendation { get; private set; }

    public RocChart? Roc { get; private set; }

    public string? RecommendationProblem { get; private set; }

    public PolicyView? CurrentPolicy => Policies.FirstOrDefault(p => p.Name == Policy);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Report = await results.EvaluationAsync(cancellationToken);
        Policies = await results.PoliciesAsync(cancellationToken);
        Classes = Report.Models.SelectMany(m => m.Classes.Select(c => c.Class))
            .Concat(Policies.SelectMany(p => p.Review.Keys.Concat(p.Block.Keys)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        TargetRecall ??= options.Value.Evaluation.TargetRecall;
        if (string.IsNullOrEmpty(Class))
        {
            return;
        }

        try
        {
            Recommendation = await results.RecommendAsync(Class, Math.Clamp(TargetRecall.Value, 0, 1), Policy, cancellationToken);
            // The service reports the policy's lowest threshold for the class; show the one of the level being tuned when it has one.
            var levelThreshold = Level == ThresholdLevel.Block
                ? CurrentPolicy?.Block.GetValueOrDefault(Class)
                : CurrentPolicy?.Review.GetValueOrDefault(Class);
            Roc = RocChart.Build(levelThreshold is > 0 ? Recommendation with { CurrentThreshold = levelThreshold } : Recommendation);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            RecommendationProblem = e.Message;
        }
    }
}
