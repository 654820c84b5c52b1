using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Moderation.Auth;

/// <summary>A policy's demand for one scope, met by any grant that implies it (<see cref="ModerationScopes"/>).</summary>
public sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasScope(requirement.Scope))
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
        ArgumentNullException.ThrowIfNull(context);
        if (authorizeResult?.Forbidden == true)
        {
            var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToList() ?? [];
            await AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden, AuthProblems.InsufficientScope, "Insufficient scope",
                missing.Count > 0 ? $"This caller lacks the '{string.Join("', '", missing)}' scope." : "This caller may not do this.",
                new Dictionary<string, object?> { ["requiredScopes"] = missing });
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult!);
    }
}
