using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;

namespace Moderation.Results.Apis;

/// <summary>The caller as the results service sees it.</summary>
public sealed record CallerIdentity(string ClientId, IReadOnlyList<string> Scopes);

public static class IdentityApi
{
    public static RouteHandlerBuilder MapIdentityApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/me", Me).WithTags("Identity").RequireAuthorization();

    /// <summary>Who holds the API key and with which scopes: how the dashboard signs a reviewer in with their key.</summary>
    public static Ok<CallerIdentity> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new CallerIdentity(user.ClientId(), user.GrantedScopes()));
}
