using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;
using Moderation.Dashboard.Views;

namespace Moderation.Dashboard.Pages;

/// <summary>
/// One medium: its frames, scores, reviews, legal hold and retention state. Reviewers and administrators place and lift
/// legal holds here; administrators erase (through ingest, when <see cref="DashboardOptions.IngestUrl"/> is set) after
/// typing a confirmation. The services check every scope again and record each action in results' audit log as the
/// signed-in person. An erased medium shows its tombstone.
/// </summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class MediaModel(ResultsClient results, IngestClient ingest, ExposureTracker exposure, IOptions<DashboardOptions> options,
    ILogger<MediaModel> logger) : PageModel
{
    /// <summary>What an administrator types to confirm an erasure.</summary>
    public const string ErasureConfirmation = "ERASE";

    public const int MaxReasonLength = 1024;

    public MediaView? View { get; private set; }

    /// <summary>The tombstone, when the medium was erased.</summary>
    public ErasureView? Erasure { get; private set; }

    public ExposureState Exposure { get; private set; } = null!;

    /// <summary>Whether this dashboard can erase at all (ingest configured) and the signed-in person may.</summary>
    public bool CanErase => options.Value.IngestUrl is not null && User.IsAdmin();

    [TempData]
    public string? Notice { get; set; }

    public const int AuditTrailLength = 50;

    /// <summary>The medium's audit trail (reviewers: review actions; administrators: everything), newest first.</summary>
    public IReadOnlyList<AuditEntryView> Audit { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await results.MediaAsync(id, cancellationToken) is not { } media)
        {
            Erasure = await results.ErasureAsync(id, cancellationToken);
            return Erasure is null ? NotFound() : Page();
        }

        View = await MediaView.BuildAsync(results, media, null, options.Value.WorstFrames, cancellationToken);
        Exposure = exposure.Current();
        if (User.IsReviewer())
        {
            Audit = (await results.AuditAsync(new AuditQuery(MediaId: id), AuditTrailLength, cancellationToken)).Items;
        }

        return Page();
    }

    /// <summary>Places (<paramref name="hold"/>) or lifts the legal hold, with the reason the audit log keeps.</summary>
    public async Task<IActionResult> OnPostLegalHoldAsync(Guid id, [FromForm] bool hold, [FromForm] string? reason, CancellationToken cancellationToken)
    {
        if (!User.IsReviewer())
        {
            return Forbid();
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            Notice = $"Give a reason (at most {MaxReasonLength} characters): the audit log keeps it with the hold.";
            return RedirectToPage(new { id });
        }

        try
        {
            await results.SetLegalHoldAsync(id, hold, reason.Trim(), cancellationToken);
            Notice = hold ? "Legal hold placed: the medium can be neither erased nor thinned by retention until it is lifted." : "Legal hold lifted.";
            logger.LogInformation("{Reviewer} {Action} the legal hold on {MediaId}", User.ReviewerName(), hold ? "placed" : "lifted", id);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden)
        {
            Notice = $"Not changed: {e.Message}";
        }

        return RedirectToPage(new { id });
    }

    /// <summary>Erases the medium everywhere (administrators, confirmed by typing <see cref="ErasureConfirmation"/>).</summary>
    public async Task<IActionResult> OnPostEraseAsync(Guid id, [FromForm] string? reason, [FromForm] string? confirmation, CancellationToken cancellationToken)
    {
        if (!CanErase)
        {
            return Forbid();
        }

        if (!string.Equals(confirmation?.Trim(), ErasureConfirmation, StringComparison.Ordinal)
            || string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            Notice = $"Not erased: type {ErasureConfirmation} to confirm and give a reason (at most {MaxReasonLength} characters).";
            return RedirectToPage(new { id });
        }

        try
        {
            var tombstone = await ingest.EraseAsync(id, reason.Trim(), cancellationToken);
            Notice = "Erased. Kept: this tombstone, and the audit log.";
            logger.LogInformation("{Reviewer} erased {MediaId} of {ClientId}", User.ReviewerName(), id, tombstone.ClientId);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.BadRequest
            or HttpStatusCode.Forbidden or HttpStatusCode.ServiceUnavailable)
        {
            Notice = $"Not erased: {e.Message}";
        }

        return RedirectToPage(new { id });
    }
}
