using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Outbox;

namespace Moderation.Results.Apis;

/// <summary>A callback whose delivery was given up (refused target, permanent error, or attempts exhausted).</summary>
/// <param name="Destination">The callback URL, without any credentials it carried.</param>
/// <param name="Attempts">Attempts of the latest series.</param>
public sealed record FailedCallbackView(Guid Id, Guid MediaId, string? ClientId, string Event, string? Destination, int Attempts, int Redeliveries,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset FailedAt);

public sealed record FailedCallbackPage(IReadOnlyList<FailedCallbackView> Items, DateTimeOffset? NextBefore);

/// <summary>What the callback endpoints depend on, gathered for <c>[AsParameters]</c>.</summary>
public sealed record CallbackServices(ResultsDbContext Db, AuditLog Audit, OutboxSignal Signal, TimeProvider Clock);

public static class CallbacksApi
{
    public const int MaxPageSize = 200;

    public static RouteGroupBuilder MapCallbacksApi(this IEndpointRouteBuilder app)
    {
        // A read key sees and redelivers its own client's callbacks only: a redelivery sends what the client may read
        // anyway to the address the client gave. Review and admin keys see every client's.
        var group = app.MapGroup("/callbacks").WithTags("Callbacks").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/failed", ListFailedAsync);
        group.MapPost("/{id:guid}/redeliver", RedeliverAsync);
        return group;
    }

    /// <summary>
    /// Callbacks given up on, newest first; page with <c>before=nextBefore</c>. The caller's client's (review and admin keys:
    /// <paramref name="clientId"/>'s, or every client's, audited).
    /// </summary>
    public static async Task<Results<Ok<FailedCallbackPage>, ValidationProblem, ProblemHttpResult>> ListFailedAsync(
        ClaimsPrincipal user,
        [AsParameters] CallbackServices services,
        [FromQuery] Guid? mediaId,
        [FromQuery] DateTimeOffset? before,
        [FromQuery] string? clientId,
        CancellationToken cancellationToken,
        [FromQuery] int limit = 50)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Expected 1–{MaxPageSize}."] });
        }

        var (client, refusal) = await TenantScope.ResolveAsync(user, clientId, services.Audit, "callbacks/failed", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var query = Owned(services.Db, user).Where(o => o.FailedAt != null);
        if (client is not null)
        {
            query = query.Where(o => o.ClientId == client);
        }

        if (mediaId is not null)
        {
            query = query.Where(o => o.MediaId == mediaId);
        }

        if (before is not null)
        {
            query = query.Where(o => o.FailedAt < before);
        }

        var rows = await query.OrderByDescending(o => o.FailedAt).ThenByDescending(o => o.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(View).ToList();
        return TypedResults.Ok(new FailedCallbackPage(items, rows.Count > limit ? items[^1].FailedAt : null));
    }

    /// <summary>
    /// Starts a new series of delivery attempts for a failed callback: same delivery id and body, the redelivery header
    /// set, attempts counted from one again. 409 when the callback is not failed (delivered, or still being delivered).
    /// </summary>
    public static async Task<Results<Accepted<FailedCallbackView>, NotFound, ProblemHttpResult>> RedeliverAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] CallbackServices services, CancellationToken cancellationToken)
    {
        var db = services.Db;
        var row = await Owned(db, user).FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        var now = services.Clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Conditional on the row still being failed: of two concurrent requests, one starts the series.
        var reset = await db.Outbox.Where(o => o.Id == id && o.FailedAt != null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.FailedAt, (DateTimeOffset?)null)
                .SetProperty(o => o.Attempts, 0)
                .SetProperty(o => o.Redeliveries, o => o.Redeliveries + 1)
                .SetProperty(o => o.NextAttemptAt, now)
                .SetProperty(o => o.LockedUntil, (DateTimeOffset?)null)
                .SetProperty(o => o.LockedBy, (string?)null), cancellationToken);
        if (reset == 0)
        {
            return TypedResults.Problem(row.DeliveredAt is null ? "The callback is still being delivered." : "The callback was delivered.",
                statusCode: StatusCodes.Status409Conflict, title: "Only a failed callback can be redelivered.");
        }

        services.Audit.Add(AuditActor.From(user), AuditActions.CallbackRedelivered, row.MediaId, new
        {
            outboxId = row.Id,
            @event = row.MessageType,
            owner = row.ClientId,
            previousAttempts = row.Attempts,
            previousError = row.LastError,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        services.Signal.Notify();
        return TypedResults.Accepted($"/callbacks/failed?mediaId={row.MediaId}", View(row));
    }

    private static IQueryable<OutboxMessage> Owned(ResultsDbContext db, ClaimsPrincipal user)
    {
        var owner = user.MediaOwnerFilter();
        var callbacks = db.Outbox.AsNoTracking().Where(o => o.Kind == OutboxKinds.Callback);
        return owner is null ? callbacks : callbacks.Where(o => o.ClientId == owner);
    }

    private static FailedCallbackView View(OutboxMessage o) =>
        new(o.Id, o.MediaId, o.ClientId, o.MessageType, WithoutCredentials(o.Destination), o.Attempts, o.Redeliveries, o.LastError, o.CreatedAt,
            o.FailedAt ?? o.CreatedAt);

    private static string? WithoutCredentials(string? destination) =>
        Uri.TryCreate(destination, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : destination;
}
