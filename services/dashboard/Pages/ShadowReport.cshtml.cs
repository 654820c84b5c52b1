using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>Per policy, the live media whose decision the shadow version would change, and both versions against reviewers.</summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class ShadowReportModel(ModelsClient models) : PageModel
{
    /// <summary>Changed media shown per policy; the API lists them all.</summary>
    public const int Shown = 50;

    [BindProperty(SupportsGet = true)]
    public string Name { get; set; } = "";

    public ShadowReport? Report { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Report = string.IsNullOrEmpty(Name) ? null : await models.ShadowReportAsync(Name, cancellationToken);
        return Report is null ? NotFound() : Page();
    }
}
