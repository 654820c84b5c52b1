using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Apis;

public sealed record ModelHeadSummary(string Version, string BaseModelName, string BaseModelVersion, bool Published, string? FilePath, DateTimeOffset CreatedAt);

/// <summary>
/// The feedback heads tools/head-training trained: listed, served to classifiers, published and withdrawn. Training itself
/// is no request this service answers (a nightly job, docs/model.md).
/// </summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/models/heads").WithTags("Models").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", ListAsync);
        group.MapGet("/{version}", GetAsync);
        group.MapPost("/{version}/publish", (string version, ClaimsPrincipal user, ResultsDbContext db, AuditLog audit, ILoggerFactory loggers,
            CancellationToken cancellationToken) => SetPublishedAsync(version, true, user, db, audit, loggers, cancellationToken)).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{version}/withdraw", (string version, ClaimsPrincipal user, ResultsDbContext db, AuditLog audit, ILoggerFactory loggers,
            CancellationToken cancellationToken) => SetPublishedAsync(version, false, user, db, audit, loggers, cancellationToken)).RequireAuthorization(ModerationScopes.Admin);
        return group;
    }

    /// <summary>
    /// Publishes a head (classifiers pick the newest published one for their base model within a minute) or withdraws it
    /// (they fall back to the next newest published head, or the base model): a rollback needs no retraining.
    /// </summary>
    public static async Task<Results<Ok<ModelHeadSummary>, NotFound>> SetPublishedAsync(
        string version, bool published, ClaimsPrincipal user, ResultsDbContext db, AuditLog audit, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var head = await db.ModelHeads.SingleOrDefaultAsync(h => h.Version == version, cancellationToken);
        if (head is null)
        {
            return TypedResults.NotFound();
        }

        audit.Add(AuditActor.From(user), published ? AuditActions.HeadPublished : AuditActions.HeadWithdrawn, null,
            new { version, baseModelVersion = head.BaseModelVersion, wasPublished = head.Published });
        head.Published = published;
        await db.SaveChangesAsync(cancellationToken);
        loggers.CreateLogger(typeof(ModelsApi)).LogInformation("Feedback head {Version} {Action}", version, published ? "published" : "withdrawn");
        return TypedResults.Ok(new ModelHeadSummary(head.Version, head.BaseModelName, head.BaseModelVersion, head.Published, head.FilePath, head.CreatedAt));
    }

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
