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
using Moderation.Dashboard.Views;

namespace Moderation.Dashboard.Pages;

/// <summary>The reviewer's desk: one claimed task at a time, decided with the keyboard, with an undo after each decision.</summary>
[Authorize(Policy = ModerationScopes.Review)]
public sealed class ReviewModel(ResultsClient results, ExposureTracker exposure, IOptions<DashboardOptions> options, TimeProvider clock,
    ILogger<ReviewModel> logger) : PageModel
{
    public ClaimedReview? Task { get; private set; }

    public MediaView? View { get; private set; }

    public ExposureState Exposure { get; private set; } = null!;

    public BreakReminder? Break { get; private set; }

    /// <summary>The break results enforces: when due, the desk shows when it opens again and offers nothing to decide.</summary>
    public BreakState? EnforcedBreak { get; private set; }

    public ReviewQueueStats? Queue { get; private set; }

    /// <summary>The queue worked: one policy and kind of medium, or all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Policy { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    public QueueFilter Filter => new(Policy, Kind);

    public IReadOnlyList<ReviewQueueView> Queues { get; private set; } = [];

    /// <summary>The reviewer's decisions and skips that may still be undone, newest first (not only the last one).</summary>
    public IReadOnlyList<RecentReview> Recent { get; private set; } = [];

    /// <summary>The hash banks that apply to the medium on screen (global ones and its client's), offered with the decision.</summary>
    public IReadOnlyList<BankView> Banks { get; private set; } = [];

    /// <summary>The decision just made, offered for undo until <see cref="UndoUntil"/>.</summary>
    [TempData]
    public string? LastDecision { get; set; }

    // Typed: TempData reads a string that looks like a Guid or a date back as one.
    [TempData]
    public Guid? LastTaskId { get; set; }

    [TempData]
    public DateTime? LastUndoUntil { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public DateTimeOffset? UndoUntil => LastUndoUntil is { } until && new DateTimeOffset(until, TimeSpan.Zero) > clock.GetUtcNow()
        ? new DateTimeOffset(until, TimeSpan.Zero) : null;

    public DashboardOptions Options => options.Value;

    /// <summary>The reviewer's blur strength and greyscale, kept by results.</summary>
    public ReviewerSettingsView Pictures { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Pictures = await results.ReviewerSettingsAsync(cancellationToken);
        Exposure = exposure.Current();
        Break = exposure.DueBreak(Exposure);
        Recent = await results.RecentAsync(cancellationToken);
        if (await results.BreakAsync(cancellationToken) is { Due: true } due)
        {
            EnforcedBreak = due;
            return Page();
        }

        if (Break is not null)
        {
            // Nothing is claimed while the reviewer is asked to pause, so no task waits on them.
            return Page();
        }

        Queues = await results.QueuesAsync(cancellationToken);
        try
        {
            Task = await results.ClaimNextAsync(Filter, cancellationToken);
        }
        catch (ResultsApiException e) when (e.Status == HttpStatusCode.Conflict)
        {
            // The break fell due between the two questions.
            EnforcedBreak = await results.BreakAsync(cancellationToken);
            return Page();
        }

        if (Task is null)
        {
            Queue = await results.ReviewStatsAsync(cancellationToken);
            return Page();
        }

        View = await MediaView.BuildAsync(results, Task.Media, Task.Frames, options.Value.WorstFrames, cancellationToken);
        Banks = [.. (await results.BanksAsync(cancellationToken)).Where(b => b.ClientId is null || b.ClientId == Task.Media.ClientId)];
        return Page();
    }

    /// <param name="labels">Class → "true" (applies) or "false" (does not); classes left empty were not judged.</param>
    /// <param name="addToBank">A hash bank to add the medium's hash to; undoing the decision removes it.</param>
    /// <param name="blind">The reviewer decides without having revealed anything; results refuses a decision that is neither looked at nor blind.</param>
    /// <param name="reasonCode">One of the policy's reason codes; results refuses a block without one where the policy requires it.</param>
    public async Task<IActionResult> OnPostDecideAsync(Guid taskId, Decision decision, Dictionary<string, string>? labels, string? comment,
        double? timeSpentSeconds, bool blind, string? addToBank, string? reasonCode, CancellationToken cancellationToken)
    {
        if (decision is not (Decision.Allow or Decision.Block))
        {
            return BadRequest();
        }

        var judged = (labels ?? []).Where(l => bool.TryParse(l.Value, out _)).ToDictionary(l => l.Key, l => bool.Parse(l.Value), StringComparer.Ordinal);
        try
        {
            await results.DecideAsync(taskId, new ReviewDecisionRequest(decision, judged, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
                timeSpentSeconds is > 0 and < 86_400 ? timeSpentSeconds : null, blind ? true : null, string.IsNullOrWhiteSpace(addToBank) ? null : addToBank,
                string.IsNullOrWhiteSpace(reasonCode) ? null : reasonCode), cancellationToken);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            Notice = $"Not recorded: {e.Message}";
            return RedirectToPage(new { Policy, Kind });
        }

        exposure.RecordItem(taskId);
        logger.LogInformation("{Reviewer} decided {Decision} on task {TaskId}", User.ReviewerName(), decision, taskId);
        LastDecision = decision.ToString();
        LastTaskId = taskId;
        LastUndoUntil = (clock.GetUtcNow() + options.Value.UndoWindow).UtcDateTime;
        return RedirectToPage(new { Policy, Kind });
    }

    public async Task<IActionResult> OnPostSkipAsync(Guid taskId, CancellationToken cancellationToken)
    {
        try
        {
            // A skip is not a finished item: it does not count towards the break reminder.
            await results.SkipAsync(taskId, cancellationToken);
            Notice = "Skipped. You will not be offered that item again.";
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            Notice = $"Not skipped: {e.Message}";
        }

        return RedirectToPage(new { Policy, Kind });
    }

    /// <summary>
    /// Takes back a decision (the last or an older one still within the window) or a skip (<paramref name="undoAction"/>
    /// <c>skip</c>): the task on screen goes back to the queue (it was claimed only because the page moved on), and the
    /// undone task is claimed again, so the next page shows it.
    /// </summary>
    public async Task<IActionResult> OnPostUndoAsync(Guid undoTaskId, Guid? currentTaskId, string? undoAction, CancellationToken cancellationToken)
    {
        if (currentTaskId is { } current)
        {
            try
            {
                await results.ReleaseAsync(current, cancellationToken);
            }
            catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                logger.LogDebug("Task {TaskId} was not held any more: {Reason}", current, e.Message);
            }
        }

        try
        {
            if (undoAction == "skip")
            {
                await results.UnskipAsync(undoTaskId, cancellationToken);
                Notice = "Skip undone. Decide it now.";
            }
            else
            {
                await results.UndoAsync(undoTaskId, cancellationToken);
                Notice = "Decision undone. Decide again.";
            }

            logger.LogInformation("{Reviewer} undid the decision on task {TaskId}", User.ReviewerName(), undoTaskId);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            Notice = $"Not undone: {e.Message}";
        }

        LastDecision = null;
        LastTaskId = null;
        LastUndoUntil = null;
        return RedirectToPage(new { Policy, Kind });
    }

    /// <summary>Gives the task back without a decision and leaves the desk (pause).</summary>
    public async Task<IActionResult> OnPostReleaseAsync(Guid taskId, CancellationToken cancellationToken)
    {
        try
        {
            await results.ReleaseAsync(taskId, cancellationToken);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            logger.LogDebug("Task {TaskId} was not held any more: {Reason}", taskId, e.Message);
        }

        return RedirectToPage("/Index");
    }

    /// <summary>Saves the reviewer's blur strength and greyscale in results and goes back to the desk or grid it came from.</summary>
    public async Task<IActionResult> OnPostSettingsAsync(int blurPixels, bool greyscale, string? returnTo, CancellationToken cancellationToken)
    {
        try
        {
            await results.SaveReviewerSettingsAsync(new ReviewerSettingsView(Math.Clamp(blurPixels, 0, ReviewerSettingsView.MaxBlurPixels), greyscale), cancellationToken);
            Notice = "Picture settings saved.";
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.BadRequest)
        {
            Notice = $"Not saved: {e.Message}";
        }

        return LocalRedirect(returnTo is { Length: > 0 } && Url.IsLocalUrl(returnTo) ? returnTo : "/Review");
    }

    /// <summary>The reviewer has had (or declined) the reminded break; counting towards the next one starts now.</summary>
    public IActionResult OnPostResume()
    {
        exposure.TakeBreak();
        return RedirectToPage(new { Policy, Kind });
    }
}
