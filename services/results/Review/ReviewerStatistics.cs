using Microsoft.EntityFrameworkCore;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Review;

/// <summary>One UTC day of a reviewer's work and exposure.</summary>
/// <param name="ActiveHours">Clock hours with at least one decision: the hours the reviewer was at the desk.</param>
/// <param name="HandlingSeconds">Time spent on the day's decisions, summed: how long the reviewer looked at material.</param>
/// <param name="Items">Items finished that day, as the exposure counters have them (decisions; an undo does not take one back).</param>
/// <param name="Reveals">Media revealed that day (frames, originals, players).</param>
public sealed record ReviewerDay(DateOnly Day, int Decisions, int Blocks, int ActiveHours, double? DecisionsPerHour, double? MedianHandlingSeconds,
    double HandlingSeconds, int Items, int Reveals);

/// <summary>
/// How often the reviewer's decision on a medium matched another reviewer's on the same medium: over all such pairs,
/// and over the audit samples among them (random allow/block verdicts, or a reviewer's decision re-examined in one).
/// </summary>
public sealed record ReviewerAgreement(int Pairs, int Agreed, double? Rate, int AuditPairs, int AuditAgreed, double? AuditRate);

/// <summary>A reviewer's statistics over <paramref name="From"/>–<paramref name="To"/> (UTC days, both included).</summary>
/// <param name="DecisionsPerHour">Decisions in force divided by <see cref="ReviewerDay.ActiveHours"/> summed over the days.</param>
/// <param name="MedianHandlingSeconds">The median of the time spent per decision (measured by the desk, or from the claim).</param>
/// <param name="Undone">Decisions the reviewer took back (they are no longer among <paramref name="Decisions"/>).</param>
public sealed record ReviewerStats(string Reviewer, DateOnly From, DateOnly To, int Decisions, int Blocks, int Blind, int Undone, int Skips,
    double? DecisionsPerHour, double? MedianHandlingSeconds, double? P90HandlingSeconds, ReviewerAgreement Agreement, IReadOnlyList<ReviewerDay> Days);

/// <summary>
/// Reviewer statistics from the review feedback (decisions in force), the audit log (undos, skips) and the exposure
/// counters, computed in PostgreSQL over the reviewer's own rows (index <c>review_feedback (reviewer, created_at)</c>,
/// <c>audit_log (client_id, id)</c>).
/// </summary>
public sealed class ReviewerStatistics(ResultsDbContext db, TimeProvider clock)
{
    public const int MaxDays = 90;

    public async Task<ReviewerStats> ForAsync(string reviewer, int days, CancellationToken cancellationToken)
    {
        var to = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - days);
        var since = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var audit = ReviewReasons.Audit;

        var perDay = await db.Database.SqlQuery<DayRow>(
            $"""
            SELECT (f.created_at AT TIME ZONE 'UTC')::date AS day,
                   count(*)::int AS decisions,
                   count(*) FILTER (WHERE f.decision = 'Block')::int AS blocks,
                   count(DISTINCT date_trunc('hour', f.created_at AT TIME ZONE 'UTC'))::int AS active_hours,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.time_spent))::float8 AS median_seconds,
                   coalesce(sum(extract(epoch FROM f.time_spent)), 0)::float8 AS handling_seconds
            FROM review_feedback f
            WHERE f.reviewer = {reviewer} AND f.created_at >= {since}
            GROUP BY 1
            """).ToListAsync(cancellationToken);

        var overall = await db.Database.SqlQuery<OverallRow>(
            $"""
            SELECT count(*)::int AS decisions,
                   count(*) FILTER (WHERE f.decision = 'Block')::int AS blocks,
                   count(*) FILTER (WHERE f.blind)::int AS blind,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.time_spent))::float8 AS median_seconds,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.time_spent))::float8 AS p90seconds
            FROM review_feedback f
            WHERE f.reviewer = {reviewer} AND f.created_at >= {since}
            """).SingleAsync(cancellationToken);

        // Pairs first (the reviewer's rows, then the same media's other decisions, both by index), then the tasks of each
        // pair by primary key: joining the tasks before the pairs made PostgreSQL hash the whole review_tasks table.
        var agreement = await db.Database.SqlQuery<AgreementRow>(
            $"""
            SELECT count(*)::int AS pairs,
                   count(*) FILTER (WHERE agreed)::int AS agreed,
                   count(*) FILTER (WHERE audit)::int AS audit_pairs,
                   count(*) FILTER (WHERE audit AND agreed)::int AS audit_agreed
            FROM (SELECT mine.decision = other.decision AS agreed,
                         EXISTS (SELECT 1 FROM review_tasks t WHERE t.id IN (mine.task_id, other.task_id) AND t.reason = {audit}) AS audit
                  FROM review_feedback mine
                  JOIN review_feedback other ON other.media_id = mine.media_id AND other.reviewer <> mine.reviewer
                  WHERE mine.reviewer = {reviewer} AND mine.created_at >= {since}) pairs
            """).SingleAsync(cancellationToken);

        var (undo, skip) = (AuditActions.ReviewUndone, AuditActions.ReviewSkipped);
        var actions = await db.Database.SqlQuery<ActionRow>(
            $"""
            SELECT action, count(*)::int AS count FROM audit_log
            WHERE client_id = {reviewer} AND at >= {since} AND action IN ({undo}, {skip})
            GROUP BY action
            """).ToListAsync(cancellationToken);

        var exposure = await db.ReviewerExposure.AsNoTracking().Where(e => e.Reviewer == reviewer && e.Day >= from).ToDictionaryAsync(e => e.Day, cancellationToken);
        var decided = perDay.ToDictionary(d => d.Day);
        var dayList = new List<ReviewerDay>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            decided.TryGetValue(day, out var d);
            exposure.TryGetValue(day, out var e);
            if (d is null && e is null)
            {
                continue;
            }

            dayList.Add(new ReviewerDay(day, d?.Decisions ?? 0, d?.Blocks ?? 0, d?.ActiveHours ?? 0,
                d is { ActiveHours: > 0 } ? (double)d.Decisions / d.ActiveHours : null, d?.MedianSeconds, d?.HandlingSeconds ?? 0, e?.Items ?? 0, e?.Reveals ?? 0));
        }

        var activeHours = perDay.Sum(d => d.ActiveHours);
        int Count(string action) => actions.FirstOrDefault(a => a.Action == action)?.Count ?? 0;
        return new ReviewerStats(reviewer, from, to, overall.Decisions, overall.Blocks, overall.Blind, Count(undo), Count(skip),
            activeHours > 0 ? (double)overall.Decisions / activeHours : null, overall.MedianSeconds, overall.P90Seconds,
            new ReviewerAgreement(agreement.Pairs, agreement.Agreed, agreement.Pairs > 0 ? (double)agreement.Agreed / agreement.Pairs : null,
                agreement.AuditPairs, agreement.AuditAgreed, agreement.AuditPairs > 0 ? (double)agreement.AuditAgreed / agreement.AuditPairs : null),
            dayList);
    }

    /// <summary>Everyone who decided, skipped or revealed anything since <paramref name="days"/> days ago, for an administrator to choose from.</summary>
    public async Task<IReadOnlyList<string>> ReviewersAsync(int days, CancellationToken cancellationToken)
    {
        var from = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(1 - days);
        return await db.ReviewerExposure.AsNoTracking().Where(e => e.Day >= from).Select(e => e.Reviewer).Distinct().OrderBy(r => r).ToListAsync(cancellationToken);
    }

    private sealed record DayRow(DateOnly Day, int Decisions, int Blocks, int ActiveHours, double? MedianSeconds, double HandlingSeconds);

    private sealed record OverallRow(int Decisions, int Blocks, int Blind, double? MedianSeconds, double? P90Seconds);

    private sealed record AgreementRow(int Pairs, int Agreed, int AuditPairs, int AuditAgreed);

    private sealed record ActionRow(string Action, int Count);
}
