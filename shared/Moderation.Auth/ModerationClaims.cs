using System.Security.Claims;

namespace Moderation.Auth;

/// <summary>
/// The claims every way of signing in issues (API key, webhook signature, OIDC token, the dashboard's session), so that
/// policies, tenancy and rate limits read one shape: the client id as <see cref="ClaimTypes.NameIdentifier"/>, one
/// <see cref="ScopeClaim"/> per granted scope, and which key was used as <see cref="KeyIdClaim"/>.
/// </summary>
public static class ModerationClaims
{
    public const string ScopeClaim = "scope";

    /// <summary>Which key of the client made the call (ingest's visible key prefix), recorded in the audit log.</summary>
    public const string KeyIdClaim = "key_id";

    /// <summary>An authenticated identity of <paramref name="clientId"/> holding <paramref name="scopes"/>.</summary>
    public static ClaimsIdentity Identity(string authenticationType, string clientId, IEnumerable<string> scopes, string? keyId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(scopes);
        var identity = new ClaimsIdentity(authenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, clientId));
        identity.AddClaim(new Claim(ClaimTypes.Name, clientId));
        if (keyId is { Length: > 0 })
        {
            identity.AddClaim(new Claim(KeyIdClaim, keyId));
        }

        foreach (var scope in scopes.Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(ScopeClaim, scope));
        }

        return identity;
    }

    /// <summary>The calling client (e.g. <c>wiki</c>): owner of what it submits, recorded as reviewer and author.</summary>
    public static string ClientId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request is not authenticated.");
    }

    /// <summary>The key the caller used, when it used one.</summary>
    public static string? KeyId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(KeyIdClaim);
    }

    /// <summary>The scopes granted to the caller, as granted (without the implied ones).</summary>
    public static IReadOnlyList<string> GrantedScopes(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindAll(ScopeClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether the caller's grants allow <paramref name="scope"/>, implied scopes included.</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope) => ModerationScopes.Allows(user.GrantedScopes(), scope);

    /// <summary>
    /// The client whose media the caller may see, or null when it holds a cross-tenant scope. Media of other clients
    /// are answered as not found, so a key cannot even learn that they exist.
    /// </summary>
    public static string? MediaOwnerFilter(this ClaimsPrincipal user) =>
        ModerationScopes.SeesEveryClient(user.GrantedScopes()) ? null : user.ClientId();
}
