using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Moderation.Results.Auth;
using Moderation.Results.Data;
using Moderation.Results.Feedback;

namespace Moderation.Results.Apis;

public sealed record ModelHeadSummary(string Version, string BaseModelName, string BaseModelVersion, bool Published, string? FilePath, DateTimeOffset CreatedAt);

public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models/heads").WithTags("Models").RequireAuthorization(AuthorizationPolicies.Read);
        group.MapGet("/", ListAsync);
        group.MapGet("/{version}", GetAsync);
        group.MapPost("/train", TrainAsync).RequireAuthorization(AuthorizationPolicies.Admin);
        return group;
    }

    /// <summary>Trains the feedback head now; with <c>publish=true</c> an improving head becomes a new model version.</summary>
    public static async Task<Ok<HeadTrainingReport>> TrainAsync(HeadTrainer trainer, CancellationToken cancellationToken, bool publish = true,
        string? baseModelVersion = null) =>
        TypedResults.Ok(await trainer.TrainAsync(publish, baseModelVersion, cancellationToken));

    public static async Task<Ok<List<ModelHeadSummary>>> ListAsync(ResultsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.ModelHeads.AsNoTracking().OrderByDescending(h => h.CreatedAt)
            .Select(h => new ModelHeadSummary(h.Version, h.BaseModelName, h.BaseModelVersion, h.Published, h.FilePath, h.CreatedAt))
            .ToListAsync(cancellationToken));

    /// <summary>The head file itself (format in docs/results.md), for classifiers without a shared model volume.</summary>
    public static async Task<Results<ContentHttpResult, NotFound>> GetAsync(string version, ResultsDbContext db, CancellationToken cancellationToken) =>
        await db.ModelHeads.AsNoTracking().Where(h => h.Version == version).Select(h => h.HeadJson).FirstOrDefaultAsync(cancellationToken) is { } json
            ? TypedResults.Text(json, "application/json")
            : TypedResults.NotFound();
}
