using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>
/// A reviewer's statistics from results: decisions per hour, median handling time, agreement with other reviewers and
/// exposure per day. Reviewers see their own; administrators choose anyone.
/// </summary>
[Authorize(Policy = ModerationScopes.Review)]
public sealed class StatsModel(ResultsClient results) : PageModel
{
    public static readonly int[] Periods = [1, 7, 14, 30, 90];

    [BindProperty(SupportsGet = true)]
    public string? Reviewer { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Days { get; set; } = 14;

    public ReviewerStats? Stats { get; private set; }

    /// <summary>For administrators: everyone active in the period, to choose from.</summary>
    public IReadOnlyList<string> Reviewers { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Periods.Contains(Days))
        {
            Days = 14;
        }

        var me = User.ReviewerName();
        if (string.IsNullOrWhiteSpace(Reviewer) || !User.IsAdmin())
        {
            // A reviewer sees only their own figures (results refuses anyone else's as well).
            Reviewer = me;
        }

        if (User.IsAdmin())
        {
            Reviewers = [.. (await results.ReviewersAsync(Days, cancellationToken)).Append(me).Append(Reviewer).Distinct().Order(StringComparer.Ordinal)];
        }

        try
        {
            Stats = await results.ReviewerStatsAsync(Reviewer, Days, cancellationToken);
        }
        catch (ResultsApiException e) when (e.Status == HttpStatusCode.Forbidden)
        {
            return Forbid();
        }

        return Page();
    }
}
