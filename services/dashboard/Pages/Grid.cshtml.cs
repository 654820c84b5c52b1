using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>
/// Stills of one queue as a grid, decided in batches: select many, one key. Each tile is blurred until revealed, and
/// results refuses a decision on a tile nobody looked at unless the batch is marked blind.
/// </summary>
[Authorize(Policy = ModerationScopes.Review)]
public sealed class GridModel(ResultsClient results, ExposureTracker exposure, IOptions<DashboardOptions> options, ILogger<GridModel> logger) : PageModel
{
    public const int Size = 12;

    public int EmptyQueueRefreshSeconds => options.Value.EmptyQueueRefreshSeconds;

    [BindProperty(SupportsGet = true)]
    public string? Policy { get; set; }

    public QueueFilter Filter => new(Policy, nameof(MediaKind.Still));

    public IReadOnlyList<ReviewQueueView> Queues { get; private set; } = [];

    public IReadOnlyList<ClaimedReview> Tasks { get; private set; } = [];

    public ExposureState Exposure { get; private set; } = null!;

    public BreakReminder? Break { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    /// <summary>The reviewer's blur strength and greyscale, kept by results.</summary>
    public ReviewerSettingsView Pictures { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Pictures = await results.ReviewerSettingsAsync(cancellationToken);
        Exposure = exposure.Current();
        Break = exposure.DueBreak(Exposure);
        Queues = await results.QueuesAsync(cancellationToken);
        if (await results.BreakAsync(cancellationToken) is { Due: true })
        {
            // results refuses claims during the enforced break; the desk says until when.
            return RedirectToPage("/Review", new { Policy });
        }

        if (Break is null)
        {
            try
            {
                Tasks = await results.ClaimBatchAsync(Size, Filter, cancellationToken);
            }
            catch (ResultsApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return RedirectToPage("/Review", new { Policy });
            }
        }

        return Page();
    }

    /// <summary>Decides every selected tile the same way; tiles results refuses (not looked at, lease lost) stay on the grid.</summary>
    /// <summary>The policy every tile is decided under, when they share one: its reason codes are offered for the batch.</summary>
    public ReviewPolicyView? SharedPolicy => Tasks.Select(t => t.Policy).DistinctBy(p => (p?.Name, p?.Version)).ToList() is [{ } only] ? only : null;

    /// <param name="reasonCode">One of the shared policy's reason codes, for every tile of the batch.</param>
    public async Task<IActionResult> OnPostDecideAsync(Guid[] taskIds, Decision decision, bool blind, string? comment, string? reasonCode,
        CancellationToken cancellationToken)
    {
        if (decision is not (Decision.Allow or Decision.Block) || taskIds.Length is 0 or > Size)
        {
            return BadRequest();
        }

        var refused = new List<string>();
        var decided = 0;
        foreach (var taskId in taskIds.Distinct())
        {
            try
            {
                await results.DecideAsync(taskId, new ReviewDecisionRequest(decision, null, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(), null,
                    blind ? true : null, ReasonCode: string.IsNullOrWhiteSpace(reasonCode) ? null : reasonCode), cancellationToken);
                exposure.RecordItem(taskId);
                decided++;
            }
            catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
            {
                refused.Add(e.Message);
            }
        }

        logger.LogInformation("{Reviewer} decided {Decision} on {Count} stills of the grid, {Refused} refused", User.ReviewerName(), decision, decided, refused.Count);
        Notice = $"{decision}: {decided} recorded." + (refused.Count > 0 ? $" {refused.Count} not recorded: {refused[0]}" : "");
        return RedirectToPage(new { Policy });
    }

    public IActionResult OnPostResume()
    {
        exposure.TakeBreak();
        return RedirectToPage(new { Policy });
    }
}
