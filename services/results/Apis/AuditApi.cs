using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Data;

namespace Moderation.Results.Apis;

public sealed record AuditEntryView(long Id, DateTimeOffset At, string ClientId, string? KeyId, string Action, Guid? MediaId, JsonElement Details);

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long? NextBefore);

public static class AuditApi
{
    public const int MaxPageSize = 500;

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/audit").WithTags("Audit").RequireAuthorization(ModerationScopes.Admin);
        group.MapGet("/", ListAsync);
        return group;
    }

    /// <summary>The audit log, newest first, by medium, action and time; page with <c>before=nextBefore</c>.</summary>
    public static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAsync(
        ResultsDbContext db,
        [FromQuery] Guid? mediaId,
        [FromQuery] string? action,
        [FromQuery] DateTimeOffset? since,
        [FromQuery] long? before,
        CancellationToken cancellationToken,
        [FromQuery] int limit = 100)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Expected 1–{MaxPageSize}."] });
        }

        var query = db.AuditLog.AsNoTracking();
        if (mediaId is not null)
        {
            query = query.Where(a => a.MediaId == mediaId);
        }

        if (!string.IsNullOrWhiteSpace(action))
        {
            query = query.Where(a => a.Action == action);
        }

        if (since is not null)
        {
            query = query.Where(a => a.At >= since);
        }

        if (before is not null)
        {
            query = query.Where(a => a.Id < before);
        }

        var rows = await query.OrderByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(a =>
        {
            using var details = JsonDocument.Parse(a.Details);
            return new AuditEntryView(a.Id, a.At, a.ClientId, a.KeyId, a.Action, a.MediaId, details.RootElement.Clone());
        }).ToList();
        return TypedResults.Ok(new AuditPage(items, rows.Count > limit ? items[^1].Id : null));
    }
}
