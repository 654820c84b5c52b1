using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer mod_…</c> (or <c>X-Api-Key: mod_…</c>) against the hashed keys in Postgres.
/// A missing and a wrong key are told apart in the 401 problem, so integrators see which mistake they made.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey();
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        var client = ApiKeys.LooksLikeKey(key) ? await keys.FindActiveAsync(ApiKeys.Hash(key), Context.RequestAborted) : null;
        if (client is null)
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, client.ClientId),
            new(IngestClaims.KeyPrefix, client.KeyPrefix),
        };
        claims.AddRange(client.Scopes.Select(s => new Claim(IngestClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"moderation\"";
        var result = await HandleAuthenticateOnceSafeAsync();
        var problem = result.Failure is null
            ? Problems.Create(StatusCodes.Status401Unauthorized, Problems.MissingApiKey, "API key required",
                $"Send an API key as 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'.")
            : Problems.Create(StatusCodes.Status401Unauthorized, Problems.InvalidApiKey, "Invalid API key", result.Failure.Message);
        await Problems.WriteAsync(Context, problem);
    }

    private string? ReadKey()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        var header = Request.Headers[ApiKeyHeader].ToString();
        return header.Length > 0 ? header.Trim() : null;
    }
}

public static class IngestClaims
{
    public const string Scope = "scope";
    public const string KeyPrefix = "key_prefix";

    public static string ClientId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request is not authenticated.");

    public static bool HasScope(this ClaimsPrincipal user, string scope) => user.HasClaim(IngestClaims.Scope, scope);
}
