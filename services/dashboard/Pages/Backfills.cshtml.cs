using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>Backfills with their progress bar, estimate, and a chart of the decisions they changed; cancel and resume for admins.</summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class BackfillsModel(ModelsClient models, ILogger<BackfillsModel> logger) : PageModel
{
    [TempData]
    public string? Notice { get; set; }

    public IReadOnlyList<BackfillView> Backfills { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Backfills = await models.BackfillsAsync(cancellationToken);

    public Task<IActionResult> OnPostCancelAsync([FromForm] Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "cancelled", () => models.CancelAsync(id, cancellationToken));

    public Task<IActionResult> OnPostResumeAsync([FromForm] Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "resumed", () => models.ResumeAsync(id, cancellationToken));

    /// <summary>Bars of the decision transitions (<c>allow→block</c> …), widest first, as fractions of the largest.</summary>
    public static IReadOnlyList<(string Transition, int Count, double Fraction)> Chart(BackfillProgress progress)
    {
        var max = Math.Max(1, progress.Transitions.Values.DefaultIfEmpty(0).Max());
        return [.. progress.Transitions.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value, (double)t.Value / max))];
    }

    private async Task<IActionResult> ChangeAsync(Guid id, string what, Func<Task<BackfillView?>> change)
    {
        if (!User.IsAdmin())
        {
            return Forbid();
        }

        try
        {
            await change();
            Notice = $"Backfill {id.ToString()[..8]} {what}.";
            logger.LogInformation("{User} {Action} backfill {BackfillId}", User.ReviewerName(), what, id);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            Notice = $"Not changed: {e.Message}";
        }

        return RedirectToPage();
    }
}
