using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Registry;

namespace Moderation.Results.Apis;

public sealed record ActivateRequest(string Version);

public sealed record ShadowRequest(string Version, double Share = 1);

/// <summary>The model registry (docs/models.md): versions, the deployment of each model, shadow report, promotion and rollback.</summary>
public static class RegistryApi
{
    public static RouteGroupBuilder MapRegistryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models/registry").WithTags("Model registry").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", async (ModelRegistry registry, CancellationToken cancellationToken) => TypedResults.Ok(await registry.ListAsync(cancellationToken)));
        group.MapGet("/{name}", GetAsync);
        group.MapGet("/{name}/shadow-report", ShadowReportAsync);
        group.MapPost("/", RegisterAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapPut("/{name}/active", (string name, ActivateRequest request, ClaimsPrincipal user, ModelRegistry registry, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.ActivateAsync(name, request.Version, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        group.MapPut("/{name}/shadow", (string name, ShadowRequest request, ClaimsPrincipal user, ModelRegistry registry, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.SetShadowAsync(name, request.Version, request.Share, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        group.MapDelete("/{name}/shadow", (string name, ClaimsPrincipal user, ModelRegistry registry, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.ClearShadowAsync(name, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{name}/promote", (string name, ClaimsPrincipal user, ModelRegistry registry, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.PromoteAsync(name, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{name}/rollback", (string name, ClaimsPrincipal user, ModelRegistry registry, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.RollbackAsync(name, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        return group;
    }

    public static async Task<Results<Created<ModelVersionView>, ValidationProblem>> RegisterAsync(RegisterModelRequest request, ClaimsPrincipal user,
        ModelRegistry registry, CancellationToken cancellationToken)
    {
        try
        {
            var version = await registry.RegisterAsync(request, AuditActor.From(user), cancellationToken);
            return TypedResults.Created($"/models/registry/{Uri.EscapeDataString(version.Name)}", version);
        }
        catch (RegistryException e)
        {
            return Problem(e);
        }
    }

    public static async Task<Results<Ok<DeploymentView>, NotFound>> GetAsync(string name, ModelRegistry registry, CancellationToken cancellationToken) =>
        await registry.GetAsync(name, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    /// <summary>Per policy: the live media scored by the shadow whose decision it would change, and both versions against reviewer labels.</summary>
    public static async Task<Results<Ok<ShadowReport>, NotFound, ValidationProblem>> ShadowReportAsync(string name, ShadowReports reports, CancellationToken cancellationToken,
        string? version = null, int limit = 1000)
    {
        if (limit is < 1 or > 100_000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Expected 1–100000."] });
        }

        return await reports.BuildAsync(name, version, limit, cancellationToken) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<DeploymentView>, ValidationProblem>> ChangeAsync(Func<Task<DeploymentView>> change)
    {
        try
        {
            return TypedResults.Ok(await change());
        }
        catch (RegistryException e)
        {
            return Problem(e);
        }
    }

    private static ValidationProblem Problem(RegistryException e) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
}
