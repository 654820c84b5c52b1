using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.Auth;

/// <summary>Authorization policies named after the scopes an API key may carry.</summary>
public static class Scopes
{
    public const string WebhookPolicy = "webhook";

    public static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder authorization)
    {
        foreach (var scope in ApiKeys.KnownScopes)
        {
            authorization.AddPolicy(scope, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .AddRequirements(new ScopeRequirement(scope)));
        }

        authorization.AddPolicy(WebhookPolicy, p => p
            .AddAuthenticationSchemes(WebhookAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(ApiScopes.Submit)));

        // Everything not explicitly anonymous (health, API reference) needs a valid key.
        authorization.SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        return authorization;
    }
}

public sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        // The admin scope implies every other scope.
        if (context.User.HasScope(requirement.Scope) || context.User.HasScope(ApiScopes.Admin))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers a missing scope with a 403 problem that names the scope, instead of an empty 403.</summary>
public sealed class ScopeProblemResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToList() ?? [];
            await Problems.WriteAsync(context, Problems.Create(StatusCodes.Status403Forbidden, Problems.InsufficientScope, "Insufficient scope",
                missing.Count > 0 ? $"This API key lacks the '{string.Join("', '", missing)}' scope." : "This API key may not do this.",
                new Dictionary<string, object?> { ["requiredScopes"] = missing }));
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
