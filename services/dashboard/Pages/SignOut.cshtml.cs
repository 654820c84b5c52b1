using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

public sealed class SignOutModel(ResultsClient results, ILogger<SignOutModel> logger) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    /// <summary>Gives back a claimed task (if any) so nobody waits for its lease to expire, then ends the session.</summary>
    public async Task<IActionResult> OnPostAsync([FromForm] Guid? taskId, CancellationToken cancellationToken)
    {
        if (taskId is { } held && User.IsReviewer())
        {
            try
            {
                await results.ReleaseAsync(held, cancellationToken);
            }
            catch (ResultsApiException e)
            {
                logger.LogInformation("Task {TaskId} was not released on sign-out: {Reason}", held, e.Message);
            }
        }

        await HttpContext.SignOutAsync(DashboardAuthentication.Scheme);
        Response.Cookies.Delete(ExposureTracker.CookieName);
        return RedirectToPage("/SignIn");
    }
}
