using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Moderation.Results.Auth;

/// <summary><c>X-Api-Key</c> authentication. Scopes become <see cref="ApiKeyDefaults.ScopeClaim"/> claims that the authorization policies read.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyValidator validator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const string UnavailableItem = "ApiKeyValidationUnavailable";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyDefaults.HeaderName, out var values) || string.IsNullOrWhiteSpace(values.ToString()))
        {
            return AuthenticateResult.NoResult();
        }

        var check = await validator.CheckAsync(values.ToString().Trim(), Context.RequestAborted);
        if (check.Unavailable)
        {
            Context.Items[UnavailableItem] = true;
            return AuthenticateResult.Fail("API key validation is unavailable.");
        }

        if (!check.Valid || string.IsNullOrEmpty(check.Identity!.ClientId))
        {
            return AuthenticateResult.Fail("Invalid API key.");
        }

        var identity = new ClaimsIdentity(ApiKeyDefaults.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, check.Identity.ClientId));
        identity.AddClaim(new Claim(ClaimTypes.Name, check.Identity.ClientId));
        if (check.Identity.KeyId is { Length: > 0 } keyId)
        {
            identity.AddClaim(new Claim(ApiKeyDefaults.KeyIdClaim, keyId));
        }

        foreach (var scope in check.Identity.Scopes)
        {
            identity.AddClaim(new Claim(ApiKeyDefaults.ScopeClaim, scope));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(UnavailableItem))
        {
            // The key may well be valid: say "try again", not "go away".
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "5";
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{ApiKeyDefaults.Scheme} header=\"{ApiKeyDefaults.HeaderName}\"";
        return Task.CompletedTask;
    }
}

public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ScopeClaim = "scope";

    /// <summary>Which key of the client made the call (ingest's key prefix), recorded in the audit log.</summary>
    public const string KeyIdClaim = "key_id";
}
