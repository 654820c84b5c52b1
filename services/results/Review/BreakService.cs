using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Results.Data;

namespace Moderation.Results.Review;

/// <summary>Where a reviewer stands with the enforced break.</summary>
/// <param name="Due">The desk refuses claims, reveals and decisions until <paramref name="ResumeAt"/>.</param>
/// <param name="ExposureMinutes">Length of the current stretch of work (reveals and decisions without a break between them).</param>
/// <param name="AfterMinutes">The stretch after which a break is due (<c>Review:BreakAfterExposure</c>); null when breaks are not enforced.</param>
/// <param name="BreakMinutes">How long a pause counts as a break (<c>Review:BreakLength</c>).</param>
public sealed record BreakState(bool Due, double ExposureMinutes, DateTimeOffset? ResumeAt, double? AfterMinutes, double BreakMinutes);

/// <summary>
/// The enforced break (<c>Review:BreakAfterExposure</c>, <c>Review:BreakLength</c>), decided by results from what the
/// reviewer did, not by the browser: a stretch of work is the reviewer's reveals and decisions with no pause of a break's
/// length between them. Once it has lasted the limit, claims, reveals and decisions are refused until the reviewer has
/// done nothing for a break's length; refused attempts are not activity, so the break ends on time whatever the page does.
/// </summary>
public sealed class BreakService(ResultsDbContext db, IOptions<ReviewOptions> options, TimeProvider clock)
{
    public async Task<BreakState> StateAsync(string reviewer, CancellationToken cancellationToken)
    {
        var (after, length) = (options.Value.BreakAfterExposure, options.Value.BreakLength);
        var now = clock.GetUtcNow();
        // Only activity this recent can belong to a stretch that makes the break due now.
        var horizon = after > TimeSpan.Zero ? after + length : length;
        var since = now - horizon;
        var reveals = await db.ReviewReveals.AsNoTracking().Where(r => r.Reviewer == reviewer && r.At >= since).Select(r => r.At).ToListAsync(cancellationToken);
        var decisions = await db.ReviewFeedback.AsNoTracking().Where(f => f.Reviewer == reviewer && f.CreatedAt >= since).Select(f => f.CreatedAt)
            .ToListAsync(cancellationToken);
        var activity = reveals.Concat(decisions).OrderByDescending(t => t).ToList();
        double? afterMinutes = after > TimeSpan.Zero ? after.TotalMinutes : null;
        if (activity.Count == 0 || now - activity[0] >= length)
        {
            return new BreakState(false, 0, null, afterMinutes, length.TotalMinutes);
        }

        var start = activity[0];
        foreach (var at in activity.Skip(1))
        {
            if (start - at >= length)
            {
                break;
            }

            start = at;
        }

        var exposure = now - start;
        var due = after > TimeSpan.Zero && exposure >= after;
        return new BreakState(due, exposure.TotalMinutes, due ? activity[0] + length : null, afterMinutes, length.TotalMinutes);
    }

    /// <summary>Why the reviewer may not work now, or null when they may.</summary>
    public async Task<(string Problem, DateTimeOffset ResumeAt)?> RefusalAsync(string reviewer, CancellationToken cancellationToken)
    {
        if (options.Value.BreakAfterExposure <= TimeSpan.Zero)
        {
            return null;
        }

        var state = await StateAsync(reviewer, cancellationToken);
        return state.Due
            ? ($"A break is due after {state.ExposureMinutes:0} minutes of review: the desk opens again at {state.ResumeAt:HH:mm:ss} UTC, after {state.BreakMinutes:0.#} minutes without reviewing.",
                state.ResumeAt!.Value)
            : null;
    }
}
