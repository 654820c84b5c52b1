using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Moderation.Auth;

/// <summary>
/// Authenticates an API key sent as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> against the
/// service's <see cref="IApiKeyStore"/>, by hash. A missing key, a wrong key and a store that cannot answer are told
/// apart: 401 <c>missing-api-key</c>, 401 <c>invalid-api-key</c>, and 503 with <c>Retry-After</c> (the key may be valid).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyStore store) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const string BearerPrefix = "Bearer ";
    private const string UnavailableItem = "moderation.api-key-store-unavailable";

    /// <summary>The credential of the request: the bearer token, else the <c>X-Api-Key</c> header; null when neither is sent.</summary>
    public static string? ReadCredential(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[BearerPrefix.Length..].Trim();
        }

        var header = request.Headers[HeaderName].ToString().Trim();
        return header.Length > 0 ? header : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadCredential(Request);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiKeyHash.IsWellFormedKey(key))
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        var lookup = await store.FindAsync(ApiKeyHash.Of(key), Context.RequestAborted);
        if (lookup.Unavailable)
        {
            Context.Items[UnavailableItem] = true;
            return AuthenticateResult.Fail("API keys cannot be checked right now.");
        }

        if (!lookup.Valid)
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        var identity = lookup.Identity!;
        var principal = new System.Security.Claims.ClaimsPrincipal(ModerationClaims.Identity(Scheme.Name, identity.ClientId!, identity.Scopes, identity.KeyId));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (Context.Items.ContainsKey(UnavailableItem))
        {
            Response.Headers.RetryAfter = "5";
            await AuthProblems.WriteAsync(Context, StatusCodes.Status503ServiceUnavailable, AuthProblems.AuthenticationUnavailable,
                "Authentication unavailable", "API keys cannot be checked right now; the key may well be valid. Retry shortly.");
            return;
        }

        Response.Headers.WWWAuthenticate = new(["Bearer realm=\"moderation\"", $"{SchemeName} header=\"{HeaderName}\""]);
        if (result.Failure is null)
        {
            await AuthProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, AuthProblems.MissingApiKey, "API key required",
                $"Send an API key as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'.");
            return;
        }

        await AuthProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, AuthProblems.InvalidApiKey, "Invalid API key", result.Failure.Message);
    }
}
