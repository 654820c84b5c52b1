using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Audit;
using Moderation.Results.Banks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Outbox;

namespace Moderation.Results.Review;

/// <summary>
/// Takes back a reviewer's decision within <see cref="ReviewOptions.UndoWindow"/>: the feedback row goes, the task is
/// open again and claimed by the same reviewer, and the decision in force returns to what it was before (an earlier
/// reviewer's, else the automatic verdict's). Announcements of the undone decision that have not left yet are dropped;
/// if one already left, the restored decision is announced the same way, so subscribers end on the decision in force.
/// </summary>
/// <summary>A decision or skip its reviewer may still take back.</summary>
/// <param name="Action"><c>decide</c> or <c>skip</c>.</param>
public sealed record RecentReview(Guid TaskId, Guid MediaId, string? ExternalId, string Action, Decision? Decision, DateTimeOffset At, DateTimeOffset UndoableUntil);

public sealed class ReviewUndoService(
    ResultsDbContext db,
    MediumTransaction mediumTransaction,
    OutboxWriter outbox,
    IOptions<ReviewOptions> options,
    AuditLog audit,
    BankStore banks,
    TimeProvider clock,
    ILogger<ReviewUndoService> logger)
{
    public async Task<ReviewResult<ReviewTask>> UndoAsync(Guid taskId, AuditActor actor, CancellationToken cancellationToken)
    {
        var reviewer = actor.ClientId;
        return await mediumTransaction.RunOnTaskAsync<ReviewTask>(db, taskId, async (medium, task) =>
        {
            var now = clock.GetUtcNow();
            var feedback = await db.ReviewFeedback.Where(f => f.TaskId == taskId).OrderByDescending(f => f.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            var window = options.Value.UndoWindow;
            var problem = task.Status != ReviewTaskStates.Done || feedback is null ? "The task has no decision to undo."
                : feedback.Reviewer != reviewer ? "Only the reviewer who decided may undo the decision."
                : now - feedback.CreatedAt > window ? $"The undo window of {window.TotalSeconds:0} s has passed."
                : null;
            if (problem is not null)
            {
                return new ReviewResult<ReviewTask>(ReviewOutcome.Conflict, null, problem);
            }

            await banks.RemoveAddedByReviewAsync(feedback!.Id, actor, cancellationToken);
            db.ReviewFeedback.Remove(feedback!);
            task.Status = ReviewTaskStates.Open;
            task.CompletedAt = null;
            task.ClaimedBy = reviewer;
            task.ClaimedAt = now;
            task.LeaseExpiresAt = now + options.Value.LeaseDuration;

            var verdict = await db.Verdicts.AsNoTracking().SingleAsync(v => v.MediaId == medium.Id, cancellationToken);
            var previous = await db.ReviewFeedback.AsNoTracking().Where(f => f.MediaId == medium.Id && f.Id != feedback!.Id)
                .OrderByDescending(f => f.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            foreach (var restoredDecision in MediumLifecycle.UndoReview(medium, verdict, previous, now).Effects.OfType<DecisionRestored>())
            {
                if (await WithdrawAnnouncementsAsync(medium.Id, feedback!.CreatedAt, now, cancellationToken))
                {
                    outbox.AnnounceVerdict(medium, restoredDecision.Announcement);
                }
            }

            var restored = medium.Decision;
            audit.Add(actor, AuditActions.ReviewUndone, medium.Id, new { taskId, undone = feedback!.Decision, restored, owner = medium.ClientId });
            logger.LogInformation("Review of medium {MediaId} by {Reviewer} undone: {Undone} withdrawn, {Decision} in force again",
                medium.Id, reviewer, feedback!.Decision, restored);
            return new ReviewResult<ReviewTask>(ReviewOutcome.Done, task);
        }, cancellationToken);
    }

    /// <summary>
    /// Takes back the caller's skip of an open task: it may be offered to them again, and unless someone else holds it now
    /// it is claimed by them at once, so the desk shows it next.
    /// </summary>
    public async Task<ReviewResult<ReviewTask>> UnskipAsync(Guid taskId, AuditActor actor, CancellationToken cancellationToken)
    {
        var reviewer = actor.ClientId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var task = await db.ReviewTasks.FromSql($"SELECT * FROM review_tasks WHERE id = {taskId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (task is null)
        {
            return new(ReviewOutcome.NotFound, null);
        }

        if (!task.SkippedBy.Contains(reviewer) || task.Status != ReviewTaskStates.Open)
        {
            return new(ReviewOutcome.Conflict, null, task.Status != ReviewTaskStates.Open ? $"The task is {task.Status}." : "You did not skip the task.");
        }

        var now = clock.GetUtcNow();
        task.SkippedBy.Remove(reviewer);
        var free = task.LeaseExpiresAt is null || task.LeaseExpiresAt <= now;
        if (free)
        {
            task.ClaimedBy = reviewer;
            task.ClaimedAt = now;
            task.LeaseExpiresAt = now + options.Value.LeaseDuration;
        }

        audit.Add(actor, AuditActions.ReviewUndone, task.MediaId, new { taskId, undone = "skip", claimed = free });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Skip of review task {TaskId} of medium {MediaId} by {Reviewer} undone", taskId, task.MediaId, reviewer);
        return new(ReviewOutcome.Done, task);
    }

    /// <summary>The caller's decisions and skips still within the undo window, newest first.</summary>
    public async Task<IReadOnlyList<RecentReview>> RecentAsync(string reviewer, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var from = now - options.Value.UndoWindow;
        var decisions = await db.ReviewFeedback.AsNoTracking().Where(f => f.Reviewer == reviewer && f.CreatedAt >= from)
            .Join(db.Media, f => f.MediaId, m => m.Id, (f, m) => new { f.TaskId, f.MediaId, m.ExternalId, f.Decision, f.CreatedAt })
            .ToListAsync(cancellationToken);
        var skips = await db.AuditLog.AsNoTracking().Where(a => a.ClientId == reviewer && a.Action == AuditActions.ReviewSkipped && a.At >= from)
            .Select(a => new { a.MediaId, a.At, a.Details }).ToListAsync(cancellationToken);
        var skipped = new List<RecentReview>();
        foreach (var skip in skips)
        {
            using var details = System.Text.Json.JsonDocument.Parse(skip.Details);
            var taskId = details.RootElement.GetProperty("taskId").GetGuid();
            var task = await db.ReviewTasks.AsNoTracking().Where(t => t.Id == taskId && t.Status == ReviewTaskStates.Open)
                .Select(t => new { t.SkippedBy, External = db.Media.Where(m => m.Id == t.MediaId).Select(m => m.ExternalId).FirstOrDefault() })
                .FirstOrDefaultAsync(cancellationToken);
            if (task is not null && task.SkippedBy.Contains(reviewer))
            {
                skipped.Add(new RecentReview(taskId, skip.MediaId!.Value, task.External, "skip", null, skip.At, skip.At + options.Value.UndoWindow));
            }
        }

        return [.. decisions.Select(d => new RecentReview(d.TaskId, d.MediaId, d.ExternalId, "decide", d.Decision, d.CreatedAt, d.CreatedAt + options.Value.UndoWindow))
            .Concat(skipped).OrderByDescending(r => r.At)];
    }

    /// <summary>Drops the undone decision's outbox rows that nobody has started sending; true when some had already gone (or are going) out.</summary>
    private async Task<bool> WithdrawAnnouncementsAsync(Guid mediaId, DateTimeOffset decidedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var announcements = await db.Outbox.FromSql($"SELECT * FROM outbox WHERE media_id = {mediaId} AND created_at >= {decidedAt} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var unsent = announcements.Where(o => o.DeliveredAt is null && o.FailedAt is null && o.Attempts == 0 && (o.LockedUntil is null || o.LockedUntil <= now)).ToList();
        db.Outbox.RemoveRange(unsent);
        return unsent.Count < announcements.Count;
    }
}
