using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>One box for a media id, an external id (e.g. a wiki file title) or a content SHA-256.</summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class SearchModel(ResultsClient results) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? Before { get; set; }

    public MediaPage? Results { get; private set; }

    public string? Kind { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var q = Q?.Trim();
        if (string.IsNullOrEmpty(q))
        {
            return Page();
        }

        if (Guid.TryParse(q, out var id))
        {
            if (await results.MediaAsync(id, cancellationToken) is not null)
            {
                return RedirectToPage("/Media", new { id });
            }

            Kind = "media id";
            Results = new MediaPage([], null);
            return Page();
        }

        var isHash = q.Length == 64 && q.All(Uri.IsHexDigit);
        Kind = isHash ? "SHA-256" : "external id";
        Results = await results.SearchAsync(isHash ? null : q, isHash ? q.ToLowerInvariant() : null, Before, PageSize, cancellationToken);
        return Page();
    }
}
