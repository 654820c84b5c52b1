using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>Admins only: apply the recommended threshold as a new version of the policy (the results service checks the admin scope again).</summary>
[Authorize(Policy = ModerationScopes.Admin)]
public sealed class ApplyRecommendationModel(ResultsClient results, ILogger<ApplyRecommendationModel> logger) : PageModel
{
    [TempData]
    public string? Notice { get; set; }

    public IActionResult OnGet() => RedirectToPage("/Evaluation");

    public async Task<IActionResult> OnPostAsync([FromForm(Name = "class")] string className, [FromForm] string policy, [FromForm] ThresholdLevel level,
        [FromForm] double targetRecall, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(className) || string.IsNullOrWhiteSpace(policy) || targetRecall is < 0 or > 1)
        {
            return BadRequest();
        }

        try
        {
            var applied = await results.ApplyRecommendationAsync(policy,
                new ApplyRecommendationRequest(className, level, RecommendationTarget.Recall, targetRecall, null, null, null), cancellationToken);
            var threshold = level == ThresholdLevel.Block ? applied.Policy.Block[className] : applied.Policy.Review[className];
            Notice = string.Create(CultureInfo.InvariantCulture,
                $"Policy {applied.Policy.Name} is now version {applied.Policy.Version}: {level.ToString().ToLowerInvariant()} {className} at {threshold:0.###}.");
            logger.LogInformation("{Reviewer} applied {Level} threshold {Threshold} for {Class} as policy {Policy} v{Version}",
                User.ReviewerName(), level, threshold, className, applied.Policy.Name, applied.Policy.Version);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
        {
            Notice = $"Not applied: {e.Message}";
        }

        return RedirectToPage("/Evaluation", new { @class = className, policy, level, targetRecall });
    }
}
