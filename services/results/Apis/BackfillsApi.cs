using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Backfills;

namespace Moderation.Results.Apis;

/// <summary>Backfills (docs/models.md): re-score a selection of judged media with a registered version on the bulk lane.</summary>
public static class BackfillsApi
{
    public static RouteGroupBuilder MapBackfillsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/backfills").WithTags("Backfills").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", async (BackfillService backfills, CancellationToken cancellationToken, int limit = 50) =>
            TypedResults.Ok(await backfills.ListAsync(Math.Clamp(limit, 1, 500), cancellationToken)));
        group.MapGet("/{id:guid}", GetAsync);
        group.MapGet("/{id:guid}/changes", async (Guid id, BackfillService backfills, CancellationToken cancellationToken, int limit = 1000) =>
            TypedResults.Ok(await backfills.ChangesAsync(id, Math.Clamp(limit, 1, 100_000), cancellationToken)));
        group.MapPost("/", StartAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{id:guid}/cancel", (Guid id, ClaimsPrincipal user, BackfillService backfills, CancellationToken cancellationToken) =>
            ChangeAsync(() => backfills.CancelAsync(id, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{id:guid}/resume", (Guid id, ClaimsPrincipal user, BackfillService backfills, CancellationToken cancellationToken) =>
            ChangeAsync(() => backfills.ResumeAsync(id, AuditActor.From(user), cancellationToken))).RequireAuthorization(ModerationScopes.Admin);
        return group;
    }

    public static async Task<Results<Created<BackfillView>, ValidationProblem>> StartAsync(StartBackfillRequest request, ClaimsPrincipal user,
        BackfillService backfills, CancellationToken cancellationToken)
    {
        try
        {
            var view = await backfills.StartAsync(request, AuditActor.From(user), cancellationToken);
            return TypedResults.Created($"/backfills/{view.Id}", view);
        }
        catch (BackfillException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<BackfillView>, NotFound>> GetAsync(Guid id, BackfillService backfills, CancellationToken cancellationToken) =>
        await backfills.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<Results<Ok<BackfillView>, NotFound, ValidationProblem>> ChangeAsync(Func<Task<BackfillView>> change)
    {
        try
        {
            return TypedResults.Ok(await change());
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (BackfillException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        }
    }
}
