using System.Globalization;
using System.Security.Claims;
using System.Text;
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

    /// <summary>The most rows one CSV export holds (narrow it by time, medium or reviewer beyond that).</summary>
    public const int MaxExportRows = 100_000;

    /// <summary>What a reviewer (without the admin scope) may read of the log: the review desk's own actions.</summary>
    public const string ReviewActionPrefix = "review.";

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        // Administrators read everything; reviewers read the review actions (decisions, undos, skips, reveals) of everyone,
        // the history a review team shares.
        var group = app.MapGroup("/audit").WithTags("Audit").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/", ListAsync);
        group.MapGet("/export.csv", ExportAsync);
        return group;
    }

    /// <summary>
    /// The audit log, newest first, by medium, acting client (<c>clientId</c>: a reviewer), action and time; page with
    /// <c>before=nextBefore</c>. Without the admin scope, only the review actions.
    /// </summary>
    public static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAsync(
        ResultsDbContext db,
        ClaimsPrincipal user,
        [FromQuery] Guid? mediaId,
        [FromQuery] string? action,
        [FromQuery] DateTimeOffset? since,
        [FromQuery] long? before,
        CancellationToken cancellationToken,
        [FromQuery] int limit = 100,
        [FromQuery] string? clientId = null)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Expected 1–{MaxPageSize}."] });
        }

        var query = Filter(db, user, mediaId, action, since, before, clientId);
        var rows = await query.OrderByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(a =>
        {
            using var details = JsonDocument.Parse(a.Details);
            return new AuditEntryView(a.Id, a.At, a.ClientId, a.KeyId, a.Action, a.MediaId, details.RootElement.Clone());
        }).ToList();
        return TypedResults.Ok(new AuditPage(items, rows.Count > limit ? items[^1].Id : null));
    }

    /// <summary>
    /// The same selection as CSV, newest first (at most <see cref="MaxExportRows"/> rows): id, at, client, key, action,
    /// medium, and the particulars reviewers ask about (decision, reason code, blind, time spent, comment) besides the
    /// full details as JSON.
    /// </summary>
    public static async Task ExportAsync(HttpContext context, ResultsDbContext db, ClaimsPrincipal user, [FromQuery] Guid? mediaId, [FromQuery] string? action,
        [FromQuery] DateTimeOffset? since, [FromQuery] string? clientId, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit.csv\"";
        context.Response.Headers.CacheControl = "private, no-store";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync("id,at,client_id,key_id,action,media_id,decision,reason_code,blind,time_spent_seconds,comment,details");
        var rows = Filter(db, user, mediaId, action, since, null, clientId).OrderByDescending(a => a.Id).Take(MaxExportRows).AsAsyncEnumerable();
        await foreach (var a in rows.WithCancellation(cancellationToken))
        {
            using var details = JsonDocument.Parse(a.Details);
            var d = details.RootElement;
            string Field(string name) => d.ValueKind == JsonValueKind.Object && d.TryGetProperty(name, out var v) && v.ValueKind is not JsonValueKind.Null
                ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                a.Id.ToString(CultureInfo.InvariantCulture), a.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), a.ClientId, a.KeyId ?? "", a.Action,
                a.MediaId?.ToString() ?? "", Field("decision"), Field("reasonCode"), Field("blind"), Field("timeSpentSeconds"), Field("comment"), a.Details,
            }.Select(Csv)));
        }
    }

    private static IQueryable<AuditEntry> Filter(ResultsDbContext db, ClaimsPrincipal user, Guid? mediaId, string? action, DateTimeOffset? since, long? before,
        string? clientId)
    {
        var query = db.AuditLog.AsNoTracking();
        if (!user.HasScope(ModerationScopes.Admin))
        {
            query = query.Where(a => a.Action.StartsWith(ReviewActionPrefix));
        }

        if (!string.IsNullOrWhiteSpace(clientId))
        {
            query = query.Where(a => a.ClientId == clientId);
        }

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

        return query;
    }

    /// <summary>RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
