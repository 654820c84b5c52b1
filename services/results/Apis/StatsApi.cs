using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Apis;

/// <summary><c>GET /stats/overview</c>: the dashboard's status page.</summary>
public sealed record StatsOverview(DateTimeOffset From, DateTimeOffset To, int BucketMinutes, QueueDepths Queues, IReadOnlyList<StatsBucket> Buckets);

/// <param name="ReviewOpen">Open review tasks nobody holds.</param>
/// <param name="ReviewClaimed">Open review tasks under an unexpired lease.</param>
public sealed record QueueDepths(int MediaPending, int MediaProcessing, int ReviewOpen, int ReviewClaimed, double? OldestReviewAgeSeconds);

/// <summary>Automatic verdicts by decision, failed media and reviewer decisions whose time falls in [Start, Start + bucket).</summary>
public sealed record StatsBucket(DateTimeOffset Start, int Allowed, int Review, int Blocked, int Failed, int Reviewed);

public static class StatsApi
{
    public const int MaxBuckets = 500;

    public static RouteGroupBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/stats").WithTags("Stats").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/overview", OverviewAsync);
        return group;
    }

    /// <summary>
    /// Throughput and verdict mix over the last <paramref name="hours"/> in buckets of <paramref name="bucketMinutes"/>, and the
    /// queue depths now, of the caller's client (review and admin keys: of <paramref name="clientId"/>, or of every client).
    /// </summary>
    public static async Task<Results<Ok<StatsOverview>, ValidationProblem, ProblemHttpResult>> OverviewAsync(ResultsDbContext db, TimeProvider clock,
        ClaimsPrincipal user, AuditLog audit, CancellationToken cancellationToken, [FromQuery] double hours = 24, [FromQuery] int bucketMinutes = 60,
        [FromQuery] string? clientId = null)
    {
        if (!double.IsFinite(hours) || hours is < 0.25 or > 24 * 90 || bucketMinutes is < 1 or > 24 * 60 || hours * 60 / bucketMinutes > MaxBuckets)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["query"] = [$"hours must be 0.25–2160 and bucketMinutes 1–1440, with at most {MaxBuckets} buckets."],
            });
        }

        var (client, refusal) = await TenantScope.ResolveAsync(user, clientId, audit, "stats/overview", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var now = clock.GetUtcNow();
        var bucket = TimeSpan.FromMinutes(bucketMinutes);
        // Buckets aligned to whole multiples of the bucket size since the epoch, so consecutive calls line up.
        var to = new DateTimeOffset((now.UtcTicks / bucket.Ticks + 1) * bucket.Ticks, TimeSpan.Zero);
        var from = to - TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.FromHours(hours).Ticks / (double)bucket.Ticks) * bucket.Ticks);

        var verdicts = await db.Database.SqlQuery<BucketCount>(
            $"""
            SELECT date_bin({bucket}, decided_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS start, decision AS key, count(*)::int AS count
            FROM verdicts v WHERE decided_at >= {from} AND decided_at < {to}
              AND ({client}::text IS NULL OR EXISTS (SELECT 1 FROM media m WHERE m.id = v.media_id AND m.client_id = {client}))
            GROUP BY 1, 2
            """).ToListAsync(cancellationToken);
        var failed = await db.Database.SqlQuery<BucketCount>(
            $"""
            SELECT date_bin({bucket}, failed_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS start, 'failed' AS key, count(*)::int AS count
            FROM media WHERE failed_at >= {from} AND failed_at < {to} AND ({client}::text IS NULL OR client_id = {client}) GROUP BY 1
            """).ToListAsync(cancellationToken);
        var reviewed = await db.Database.SqlQuery<BucketCount>(
            $"""
            SELECT date_bin({bucket}, created_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS start, 'reviewed' AS key, count(*)::int AS count
            FROM review_feedback f WHERE created_at >= {from} AND created_at < {to}
              AND ({client}::text IS NULL OR EXISTS (SELECT 1 FROM media m WHERE m.id = f.media_id AND m.client_id = {client}))
            GROUP BY 1
            """).ToListAsync(cancellationToken);

        var counts = verdicts.Concat(failed).Concat(reviewed).ToLookup(c => (c.Start.UtcTicks, c.Key));
        int Count(DateTimeOffset start, string key) => counts[(start.UtcTicks, key)].Sum(c => c.Count);
        var buckets = new List<StatsBucket>();
        for (var start = from; start < to; start += bucket)
        {
            buckets.Add(new StatsBucket(start, Count(start, nameof(Decision.Allow)), Count(start, nameof(Decision.Review)), Count(start, nameof(Decision.Block)),
                Count(start, "failed"), Count(start, "reviewed")));
        }

        var open = ReviewTaskStates.Open;
        var media = client is null ? db.Media : db.Media.Where(m => m.ClientId == client);
        var tasks = client is null ? db.ReviewTasks : db.ReviewTasks.Where(t => db.Media.Any(m => m.Id == t.MediaId && m.ClientId == client));
        var pending = await media.CountAsync(m => m.State == MediaStates.Pending, cancellationToken);
        var processing = await media.CountAsync(m => m.State == MediaStates.Processing, cancellationToken);
        var claimed = await tasks.CountAsync(t => t.Status == open && t.LeaseExpiresAt > now, cancellationToken);
        var waiting = await tasks.CountAsync(t => t.Status == open && (t.LeaseExpiresAt == null || t.LeaseExpiresAt <= now), cancellationToken);
        var oldest = await tasks.Where(t => t.Status == open).MinAsync(t => (DateTimeOffset?)t.CreatedAt, cancellationToken);
        var queues = new QueueDepths(pending, processing, waiting, claimed, oldest is null ? null : (now - oldest.Value).TotalSeconds);
        return TypedResults.Ok(new StatsOverview(from, to, bucketMinutes, queues, buckets));
    }

    private sealed record BucketCount(DateTimeOffset Start, string Key, int Count);
}
