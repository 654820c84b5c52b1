using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>
/// Results' one audit log, per medium and per reviewer: decisions, undos, skips, reveals (and, for administrators,
/// policy changes, erasures, holds, model changes), with a CSV export of the same selection.
/// </summary>
[Authorize(Policy = ModerationScopes.Review)]
public sealed class AuditModel(ResultsClient results) : PageModel
{
    public const int PageSize = 100;

    public static readonly string[] Actions =
        ["review.decide", "review.undo", "review.skip", "review.reveal", "policy.change", "medium.erase", "legal-hold.set", "legal-hold.clear"];

    [BindProperty(SupportsGet = true)]
    public Guid? MediaId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Reviewer { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public AuditPage Entries { get; private set; } = new([], null);

    public AuditQuery Selection => new(MediaId, string.IsNullOrWhiteSpace(Reviewer) ? null : Reviewer.Trim(), string.IsNullOrWhiteSpace(Action) ? null : Action);

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Entries = await results.AuditAsync(Selection with { Before = Before }, PageSize, cancellationToken);

    /// <summary>The selection as CSV, from results (no-store: it names media and people).</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        var upstream = await results.AuditCsvAsync(Selection, cancellationToken);
        Response.RegisterForDispose(upstream);
        Response.Headers.CacheControl = "private, no-store";
        return File(await upstream.Content.ReadAsStreamAsync(cancellationToken), "text/csv; charset=utf-8", $"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
    }
}
