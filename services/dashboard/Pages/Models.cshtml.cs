using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

/// <summary>The model registry: each model's active, shadow and previous version, its versions, promotion and rollback (admins).</summary>
[Authorize(Policy = ModerationScopes.Read)]
public sealed class ModelsModel(ModelsClient models, ILogger<ModelsModel> logger) : PageModel
{
    [TempData]
    public string? Notice { get; set; }

    public IReadOnlyList<DeploymentView> Deployments { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Deployments = await models.DeploymentsAsync(cancellationToken);

    public Task<IActionResult> OnPostPromoteAsync([FromForm] string name, CancellationToken cancellationToken) =>
        ChangeAsync(name, "promoted", () => models.PromoteAsync(name, cancellationToken));

    public Task<IActionResult> OnPostRollbackAsync([FromForm] string name, CancellationToken cancellationToken) =>
        ChangeAsync(name, "rolled back", () => models.RollbackAsync(name, cancellationToken));

    private async Task<IActionResult> ChangeAsync(string name, string what, Func<Task<DeploymentView?>> change)
    {
        if (!User.IsAdmin())
        {
            return Forbid();
        }

        try
        {
            var deployment = await change();
            Notice = $"{name} {what}: {deployment?.Active} is active.";
            logger.LogInformation("{User} {Action} model {Model}", User.ReviewerName(), what, name);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            Notice = $"Not changed: {e.Message}";
        }

        return RedirectToPage();
    }
}
