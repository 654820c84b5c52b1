using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

[EnableRateLimiting(Extensions.Extensions.SignInRateLimit)]
public sealed class SignInModel(ResultsClient results, TimeProvider clock, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty]
    [Required]
    [StringLength(512)]
    public string ApiKey { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Expired { get; set; }

    public string? Error { get; private set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? LocalRedirect(SafeReturnUrl()) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            Error = "Enter your API key.";
            return Page();
        }

        CallerIdentity? identity;
        try
        {
            identity = await results.IdentifyAsync(ApiKey.Trim(), cancellationToken);
        }
        catch (ResultsApiException e)
        {
            logger.LogWarning("Sign-in could not be checked: {Reason}", e.Message);
            Error = "The results service cannot check keys right now. Try again in a moment.";
            return Page();
        }

        if (identity is null)
        {
            logger.LogInformation("Sign-in refused from {RemoteAddress}: unknown API key", HttpContext.Connection.RemoteIpAddress);
            Error = "That API key is not valid.";
            return Page();
        }

        if (!ModerationScopes.Allows(identity.Scopes, ModerationScopes.Read))
        {
            Error = $"That API key does not have the '{ModerationScopes.Read}' scope or one that includes it ('{ModerationScopes.Review}', '{ModerationScopes.Admin}').";
            return Page();
        }

        var now = clock.GetUtcNow();
        await HttpContext.SignInAsync(DashboardAuthentication.Scheme, DashboardAuthentication.Principal(identity, ApiKey.Trim(), now),
            DashboardAuthentication.Properties(now));
        logger.LogInformation("{Reviewer} signed in with scopes {Scopes}", identity.ClientId, string.Join(',', identity.Scopes));
        return LocalRedirect(SafeReturnUrl());
    }

    private string SafeReturnUrl() => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";
}
