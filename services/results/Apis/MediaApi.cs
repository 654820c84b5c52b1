using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Queries;

namespace Moderation.Results.Apis;

public static class MediaApi
{
    public static RouteGroupBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/media").WithTags("Media").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", SearchAsync);
        group.MapGet("/{id:guid}", GetAsync);
        group.MapGet("/{id:guid}/frames", FramesAsync);
        group.MapGet("/{id:guid}/erasure", ErasureAsync);
        return group;
    }

    // A read key sees its own client's media only; another client's medium is "not found", never "forbidden". A review
    // or admin key reading another client's medium is recorded in the audit log.

    /// <summary>Status, progress, verdict (max per class and the frame of each maximum), reviews and failure of one medium.</summary>
    public static async Task<Results<Ok<MediaDetails>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, MediaQueries queries, AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (await queries.DetailsAsync(id, user.MediaOwnerFilter(), cancellationToken) is not { } details)
        {
            return TypedResults.NotFound();
        }

        await audit.CrossTenantReadAsync(user, id, "details", cancellationToken, ownerKnown: true, details.ClientId);
        return TypedResults.Ok(details);
    }

    /// <summary>Per-frame scores in frame order: the dashboard's timeline.</summary>
    public static async Task<Results<Ok<IReadOnlyList<FrameView>>, NotFound>> FramesAsync(Guid id, ClaimsPrincipal user, MediaQueries queries, AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (await queries.FramesAsync(id, user.MediaOwnerFilter(), cancellationToken) is not { } frames)
        {
            return TypedResults.NotFound();
        }

        await audit.CrossTenantReadAsync(user, id, "frames", cancellationToken);
        return TypedResults.Ok(frames);
    }

    /// <summary>The tombstone of an erased medium (id, client, SHA-256, who, when, why): all that is kept of it.</summary>
    public static async Task<Results<Ok<ErasureView>, NotFound>> ErasureAsync(Guid id, ClaimsPrincipal user, ResultsDbContext db, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var owner = user.MediaOwnerFilter();
        var tombstone = await db.Erasures.AsNoTracking().FirstOrDefaultAsync(e => e.MediaId == id && (owner == null || e.ClientId == owner), cancellationToken);
        if (tombstone is null)
        {
            return TypedResults.NotFound();
        }

        await audit.CrossTenantReadAsync(user, id, "erasure", cancellationToken, ownerKnown: true, tombstone.ClientId);
        return TypedResults.Ok(new ErasureView(tombstone.MediaId, tombstone.ClientId, tombstone.Sha256, tombstone.ErasedBy, tombstone.ErasedAt, tombstone.Reason));
    }

    /// <summary>
    /// Media by external id (exact, or <c>externalIdContains</c>: any part, ignoring case), content hash, state or decision,
    /// newest first; page with <c>before=nextBefore</c>.
    /// </summary>
    public static async Task<Results<Ok<MediaPage>, ValidationProblem>> SearchAsync(
        ClaimsPrincipal user,
        MediaQueries queries,
        [FromQuery] string? externalId,
        [FromQuery] string? sha256,
        [FromQuery] string? state,
        [FromQuery] Decision? decision,
        [FromQuery] DateTimeOffset? before,
        CancellationToken cancellationToken,
        [FromQuery] int limit = 50,
        [FromQuery] string? externalIdContains = null)
    {
        if (externalIdContains is { Length: > 512 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["externalIdContains"] = ["At most 512 characters."] });
        }

        if (sha256 is not null && (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sha256"] = ["Expected 64 hex digits."] });
        }

        if (state is not null && state is not (MediaStates.Pending or MediaStates.Processing or MediaStates.Completed or MediaStates.Failed))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["Expected pending, processing, completed or failed."] });
        }

        if (limit is < 1 or > MediaQueries.MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Expected 1–{MediaQueries.MaxPageSize}."] });
        }

        return TypedResults.Ok(await queries.SearchAsync(user.MediaOwnerFilter(), externalId, sha256, state, decision, before, limit, cancellationToken,
            externalIdContains));
    }
}

/// <summary>What is kept of an erased medium.</summary>
public sealed record ErasureView(Guid MediaId, string? ClientId, string? Sha256, string ErasedBy, DateTimeOffset ErasedAt, string? Reason);
