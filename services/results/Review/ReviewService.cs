using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Audit;
using Moderation.Results.Banks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;

namespace Moderation.Results.Review;

public enum ReviewOutcome
{
    Done,
    NotFound,
    Conflict,
}

public sealed record ReviewResult<T>(ReviewOutcome Outcome, T? Value, string? Problem = null);

/// <summary>A reviewer's verdict on a claimed task.</summary>
/// <param name="AddToBank">A hash bank to add the medium's hash to (undoing the decision removes it again).</param>
/// <param name="BankFrameIndex">Which frame's hash: by default a still's one picture, or the frame that decided a video.</param>
public sealed record ReviewDecision(Decision Decision, IReadOnlyDictionary<string, bool> Labels, string? Comment, TimeSpan? TimeSpent,
    string? AddToBank = null, int? BankFrameIndex = null);

/// <summary>
/// The human-review queue: claim the most urgent open task with a lease, decide or skip it. A decision lands in the
/// feedback table and, when it differs from the decision in force, overrides it and is announced like a verdict.
/// </summary>
public sealed class ReviewService(
    ResultsDbContext db,
    MediumTransaction mediumTransaction,
    LifecycleRecorder recorder,
    IOptions<ReviewOptions> options,
    ResultsMetrics metrics,
    AuditLog audit,
    BankStore banks,
    TimeProvider clock,
    ILogger<ReviewService> logger)
{
    /// <summary>
    /// The reviewer's current unexpired task if they hold one (so reloading the page does not take a second task),
    /// otherwise the highest-priority, oldest open task nobody holds and the reviewer has not skipped.
    /// </summary>
    public async Task<ReviewTask?> ClaimNextAsync(string reviewer, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lease = now + options.Value.LeaseDuration;
        var open = ReviewTaskStates.Open;
        var held = await db.ReviewTasks.FromSql(
            $"""
            UPDATE review_tasks SET lease_expires_at = {lease}
            WHERE id = (SELECT id FROM review_tasks
                        WHERE status = {open} AND claimed_by = {reviewer} AND lease_expires_at > {now}
                        ORDER BY claimed_at LIMIT 1 FOR UPDATE)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (held.Count > 0)
        {
            return held[0];
        }

        var claimed = await db.ReviewTasks.FromSql(
            $"""
            UPDATE review_tasks SET claimed_by = {reviewer}, claimed_at = {now}, lease_expires_at = {lease}
            WHERE id = (SELECT id FROM review_tasks
                        WHERE status = {open} AND (lease_expires_at IS NULL OR lease_expires_at <= {now})
                              AND NOT ({reviewer} = ANY (skipped_by))
                        ORDER BY priority DESC, created_at, id
                        LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (claimed.Count > 0)
        {
            logger.LogInformation("Review task {TaskId} of medium {MediaId} claimed by {Reviewer} until {LeaseExpiresAt}",
                claimed[0].Id, claimed[0].MediaId, reviewer, lease);
            return claimed[0];
        }

        return null;
    }

    /// <summary>Records the decision, overrides the decision in force when it differs, and audits it, all in the medium's transaction.</summary>
    public async Task<ReviewResult<ReviewFeedback>> DecideAsync(Guid taskId, AuditActor actor, ReviewDecision decision, CancellationToken cancellationToken)
    {
        var reviewer = actor.ClientId;
        return await mediumTransaction.RunOnTaskAsync<ReviewFeedback>(db, taskId, async (medium, task) =>
        {
            var now = clock.GetUtcNow();
            if (LeaseProblem(task, reviewer, now) is { } problem)
            {
                return new ReviewResult<ReviewFeedback>(ReviewOutcome.Conflict, null, problem);
            }

            var verdict = await db.Verdicts.AsNoTracking().SingleAsync(v => v.MediaId == medium.Id, cancellationToken);
            var feedback = new ReviewFeedback
            {
                Id = Guid.CreateVersion7(),
                TaskId = task.Id,
                MediaId = medium.Id,
                Reviewer = reviewer,
                Decision = decision.Decision,
                Labels = new(decision.Labels),
                Comment = decision.Comment,
                TimeSpent = decision.TimeSpent ?? now - (task.ClaimedAt ?? now),
                CreatedAt = now,
                AutomaticDecision = verdict.Decision,
                ModelVersion = verdict.ModelVersion,
                PolicyName = verdict.PolicyName,
                PolicyVersion = verdict.PolicyVersion,
            };
            if (decision.AddToBank is { } bankName)
            {
                var (_, bankProblem) = await banks.AddFromReviewAsync(bankName, medium, verdict, decision.BankFrameIndex, feedback.Id, actor, cancellationToken);
                if (bankProblem is not null)
                {
                    return new ReviewResult<ReviewFeedback>(ReviewOutcome.Conflict, null, bankProblem);
                }
            }

            db.ReviewFeedback.Add(feedback);
            task.Status = ReviewTaskStates.Done;
            task.CompletedAt = now;
            task.LeaseExpiresAt = null;

            var decisionBefore = medium.Decision;
            recorder.Record(medium, MediumLifecycle.Review(medium, verdict, decision.Decision, now));

            audit.Add(actor, AuditActions.ReviewDecided, medium.Id, new
            {
                taskId = task.Id,
                feedbackId = feedback.Id,
                decision = decision.Decision,
                before = decisionBefore,
                automatic = verdict.Decision,
                owner = medium.ClientId,
            });
            metrics.Reviewed(decision.Decision);
            logger.LogInformation("Medium {MediaId} reviewed by {Reviewer}: {Decision} (automatic {AutomaticDecision})",
                medium.Id, reviewer, decision.Decision, verdict.Decision);
            return new ReviewResult<ReviewFeedback>(ReviewOutcome.Done, feedback);
        }, cancellationToken);
    }

    /// <summary>Gives the task back and never offers it to this reviewer again.</summary>
    public Task<ReviewResult<ReviewTask>> SkipAsync(Guid taskId, string reviewer, CancellationToken cancellationToken) =>
        ReleaseAsync(taskId, reviewer, skip: true, cancellationToken);

    /// <summary>Gives the task back to the queue before the lease expires.</summary>
    public async Task<ReviewResult<ReviewTask>> ReleaseAsync(Guid taskId, string reviewer, bool skip, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var task = await db.ReviewTasks.FromSql($"SELECT * FROM review_tasks WHERE id = {taskId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (task is null)
        {
            return new(ReviewOutcome.NotFound, null);
        }

        if (LeaseProblem(task, reviewer, clock.GetUtcNow()) is { } problem)
        {
            return new(ReviewOutcome.Conflict, null, problem);
        }

        task.ClaimedBy = null;
        task.ClaimedAt = null;
        task.LeaseExpiresAt = null;
        if (skip && !task.SkippedBy.Contains(reviewer))
        {
            task.SkippedBy.Add(reviewer);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Review task {TaskId} of medium {MediaId} {Action} by {Reviewer}", task.Id, task.MediaId, skip ? "skipped" : "released", reviewer);
        return new(ReviewOutcome.Done, task);
    }

    private static string? LeaseProblem(ReviewTask task, string reviewer, DateTimeOffset now) =>
        task.Status != ReviewTaskStates.Open ? $"The task is {task.Status}."
        : task.ClaimedBy != reviewer ? "The task is not claimed by you; claim it with GET /reviews/next."
        : task.LeaseExpiresAt is null || task.LeaseExpiresAt <= now ? "Your lease on the task expired; claim it again with GET /reviews/next."
        : null;
}
