using System.Security.Claims;
using Moderation.Contracts.V1;

namespace Moderation.Results.Auth;

/// <summary>
/// Authorization policies named after <see cref="ApiScopes"/>. They check scope claims, not a scheme, so another
/// scheme (the dashboard's cookie sign-in) only has to issue the same claims. Admin implies review, review implies read.
/// Tenancy: a <c>read</c> key sees only its own client's media; <c>review</c> and <c>admin</c> are the cross-tenant
/// scopes (reviewers work one queue for every client), see <see cref="MediaOwnerFilter"/>.
/// </summary>
public static class AuthorizationPolicies
{
    public const string Read = ApiScopes.Read;
    public const string Review = ApiScopes.Review;
    public const string Admin = ApiScopes.Admin;

    public static IServiceCollection AddResultsAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Read, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasAnyScope(c.User, ApiScopes.Read, ApiScopes.Review, ApiScopes.Admin)))
            .AddPolicy(Review, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasAnyScope(c.User, ApiScopes.Review, ApiScopes.Admin)))
            .AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasAnyScope(c.User, ApiScopes.Admin)));
        return services;
    }

    /// <summary>The stable identity of the caller, recorded as reviewer and policy author.</summary>
    public static string Caller(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "unknown";

    /// <summary>
    /// The client whose media the caller may read, or null when the caller holds a cross-tenant scope (review, admin).
    /// Media of other clients are answered as not found, so a key cannot even learn that they exist.
    /// </summary>
    public static string? MediaOwnerFilter(this ClaimsPrincipal user) =>
        HasAnyScope(user, ApiScopes.Review, ApiScopes.Admin) ? null : user.Caller();

    private static bool HasAnyScope(ClaimsPrincipal user, params string[] scopes) =>
        user.FindAll(ApiKeyDefaults.ScopeClaim).Any(c => scopes.Contains(c.Value, StringComparer.Ordinal));
}
