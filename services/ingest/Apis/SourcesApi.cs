using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Fetching;

namespace Moderation.Ingest.Apis;

/// <summary>A body for <c>POST /admin/sources</c>.</summary>
public sealed record CreateSourceAllowanceRequest(string? ClientId, string? Source, string? Reason);

/// <summary>An allow-list entry with its history (who added it, who revoked it, why).</summary>
public sealed record SourceAllowanceResponse(
    Guid Id, string ClientId, string Source, string Reason, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? RevokedAt, string? RevokedBy, string? RevokeReason)
{
    public static SourceAllowanceResponse From(SourceAllowance a) =>
        new(a.Id, a.ClientId, a.Source, a.Reason, a.CreatedAt, a.CreatedBy, a.RevokedAt, a.RevokedBy, a.RevokeReason);
}

/// <summary>
/// Administration of the per-client source allow-lists (admin scope): the hosts and private or loopback ranges a client's
/// URLs may be fetched from although the SSRF guard refuses them to everyone else (e.g. a wiki on the internal network).
/// </summary>
public static class SourcesApi
{
    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/admin/sources").WithTags("Administration").RequireAuthorization(ModerationScopes.Admin);
        api.MapPost("", CreateAsync).WithSummary("Allow a client's URLs to be fetched from a host or private range").ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("", ListAsync).WithSummary("List allow-list entries (?clientId=, ?includeRevoked=true for the history)");
        api.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revoke an allow-list entry (?reason=)").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Created<SourceAllowanceResponse>, ProblemHttpResult>> CreateAsync(
        CreateSourceAllowanceRequest body, ClaimsPrincipal user, SourceAllowances sources, CancellationToken cancellationToken)
    {
        try
        {
            var entry = await sources.AddAsync(body.ClientId ?? "", body.Source ?? "", body.Reason, Actor(user), cancellationToken);
            return TypedResults.Created($"/admin/sources/{entry.Id}", SourceAllowanceResponse.From(entry));
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Invalid source allow-list entry", e.Message));
        }
    }

    public static async Task<Ok<List<SourceAllowanceResponse>>> ListAsync(
        string? clientId, bool? includeRevoked, SourceAllowances sources, CancellationToken cancellationToken) =>
        TypedResults.Ok((await sources.ListAsync(clientId, includeRevoked ?? false, cancellationToken)).Select(SourceAllowanceResponse.From).ToList());

    public static async Task<Results<Ok<SourceAllowanceResponse>, ProblemHttpResult>> RevokeAsync(
        Guid id, string? reason, ClaimsPrincipal user, SourceAllowances sources, CancellationToken cancellationToken) =>
        await sources.RevokeAsync(id, reason, Actor(user), cancellationToken) is { } entry
            ? TypedResults.Ok(SourceAllowanceResponse.From(entry))
            : TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Allow-list entry not found", $"No active entry '{id}'."));

    /// <summary>Who changed the list, as the audit trail records it: the client, and the key it used.</summary>
    private static string Actor(ClaimsPrincipal user) => user.KeyId() is { } key ? $"{user.ClientId()} ({key})" : user.ClientId();
}
