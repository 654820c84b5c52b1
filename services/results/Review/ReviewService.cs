using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Audit;
using Moderation.Results.Banks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Policies;

namespace Moderation.Results.Review;

public enum ReviewOutcome
{
    Done,
    NotFound,
    Conflict,

    /// <summary>The decision was refused because nobody looked at the media.</summary>
    Unseen,

    /// <summary>The decision's reason code is unknown to the policy, or a block lacks one the policy requires.</summary>
    InvalidReasonCode,

    /// <summary>The reviewer's enforced break is due (<see cref="BreakService"/>).</summary>
    BreakDue,
}

/// <param name="ReasonCodes">With <see cref="ReviewOutcome.InvalidReasonCode"/>: the codes the policy allows.</param>
public sealed record ReviewResult<T>(ReviewOutcome Outcome, T? Value, string? Problem = null, IReadOnlyList<string>? ReasonCodes = null);

/// <summary>A reviewer's verdict on a claimed task.</summary>
/// <param name="Blind">The reviewer decides without having revealed any of the task's media, and says so.</param>
/// <param name="AddToBank">A hash bank to add the medium's hash to (undoing the decision removes it again).</param>
/// <param name="BankFrameIndex">Which frame's hash: by default a still's one picture, or the frame that decided a video.</param>
/// <param name="ReasonCode">One of the policy's reason codes; required for a block when the policy says so.</param>
public sealed record ReviewDecision(Decision Decision, IReadOnlyDictionary<string, bool> Labels, string? Comment, TimeSpan? TimeSpent, bool Blind = false,
    string? AddToBank = null, int? BankFrameIndex = null, string? ReasonCode = null);

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
    RevealService reveals,
    AuditLog audit,
    BankStore banks,
    PolicyStore policies,
    BreakService breaks,
    TimeProvider clock,
    ILogger<ReviewService> logger)
{
    /// <summary>
    /// The reviewer's current unexpired task if they hold one in the queue (so reloading the page does not take a second
    /// task), otherwise the most urgent open task nobody holds and the reviewer has not skipped.
    /// </summary>
    public async Task<ReviewTask?> ClaimNextAsync(string reviewer, CancellationToken cancellationToken, ReviewQueueFilter? filter = null) =>
        await ClaimAsync(reviewer, 1, filter ?? ReviewQueueFilter.Any, cancellationToken) is [var task, ..] ? task : null;

    /// <summary>
    /// Up to <paramref name="count"/> tasks of the queue for the reviewer, with a lease: those they already hold first, then
    /// by submission priority (urgent, normal, bulk), then the overdue ones (older than their priority's target), oldest
    /// first, then by score, then by age.
    /// </summary>
    public async Task<IReadOnlyList<ReviewTask>> ClaimAsync(string reviewer, int count, ReviewQueueFilter filter, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var settings = options.Value;
        var lease = now + settings.LeaseDuration;
        var open = ReviewTaskStates.Open;
        var (urgent, normal, bulk) = (nameof(SubmissionPriority.Urgent), nameof(SubmissionPriority.Normal), nameof(SubmissionPriority.Bulk));
        var (urgentDue, normalDue, bulkDue) = (now - settings.UrgentTarget, now - settings.NormalTarget, now - settings.BulkTarget);
        var (policy, kind, reason) = (filter.Policy, filter.Kind, filter.Reason);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var picked = await db.ReviewTasks.FromSql(
            $"""
            SELECT t.* FROM review_tasks t
            JOIN media m ON m.id = t.media_id
            LEFT JOIN verdicts v ON v.media_id = t.media_id
            WHERE t.status = {open}
                  AND (t.lease_expires_at IS NULL OR t.lease_expires_at <= {now} OR t.claimed_by = {reviewer})
                  AND NOT ({reviewer} = ANY (t.skipped_by))
                  AND ({policy}::text IS NULL OR v.policy_name = {policy})
                  AND ({kind}::text IS NULL OR m.kind = {kind})
                  AND ({reason}::text IS NULL OR t.reason = {reason})
            ORDER BY COALESCE(t.claimed_by = {reviewer} AND t.lease_expires_at > {now}, false) DESC,
                     CASE m.priority WHEN {urgent} THEN 0 WHEN {normal} THEN 1 WHEN {bulk} THEN 2 ELSE 1 END,
                     CASE WHEN t.created_at <= CASE m.priority WHEN {urgent} THEN {urgentDue} WHEN {bulk} THEN {bulkDue} ELSE {normalDue} END
                          THEN t.created_at END NULLS LAST,
                     t.priority DESC, t.created_at, t.id
            LIMIT {count}
            FOR UPDATE OF t SKIP LOCKED
            """).AsNoTracking().ToListAsync(cancellationToken);
        foreach (var task in picked)
        {
            if (task.ClaimedBy != reviewer || task.LeaseExpiresAt is null || task.LeaseExpiresAt <= now)
            {
                task.ClaimedAt = now;
            }

            task.ClaimedBy = reviewer;
            task.LeaseExpiresAt = lease;
            db.ReviewTasks.Attach(task).State = EntityState.Modified;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var task in picked)
        {
            db.Entry(task).State = EntityState.Detached;
        }

        if (picked.Count > 0)
        {
            logger.LogInformation("{Count} review task(s) claimed by {Reviewer} until {LeaseExpiresAt}: {TaskIds}", picked.Count, reviewer, lease,
                picked.Select(t => t.Id));
        }

        return picked;
    }

    /// <summary>
    /// Records the decision, overrides the decision in force when it differs, and audits it, all in the medium's transaction.
    /// A decision needs a look: refused when the reviewer revealed none of the task's media and did not mark it blind. Its
    /// reason code is checked against the policy in force for the medium's verdict (codes change with new versions).
    /// </summary>
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

            if (await breaks.RefusalAsync(reviewer, cancellationToken) is { } pause)
            {
                return new ReviewResult<ReviewFeedback>(ReviewOutcome.BreakDue, null, pause.Problem);
            }

            var verdict = await db.Verdicts.AsNoTracking().SingleAsync(v => v.MediaId == medium.Id, cancellationToken);
            var policy = await policies.CurrentAsync(verdict.PolicyName, cancellationToken);
            if (ModerationPolicy.ReasonCodeProblem(policy, decision.Decision, decision.ReasonCode) is { } reasonProblem)
            {
                return new ReviewResult<ReviewFeedback>(ReviewOutcome.InvalidReasonCode, null, reasonProblem, [.. policy.ReasonCodes.Select(c => c.Code)]);
            }

            if (await reveals.UnseenProblemAsync(task.Id, reviewer, medium.Kind, decision.Decision, decision.Blind, cancellationToken) is { } unseen)
            {
                return new ReviewResult<ReviewFeedback>(ReviewOutcome.Unseen, null, unseen);
            }

            var blind = !await reveals.AnyAsync(task.Id, reviewer, cancellationToken);
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
                Blind = blind,
                ReasonCode = decision.ReasonCode,
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
                blind,
                reasonCode = decision.ReasonCode,
                comment = decision.Comment,
                timeSpentSeconds = Math.Round(feedback.TimeSpent.TotalSeconds, 1),
                labels = decision.Labels,
            });
            await reveals.CountAsync(reviewer, now, items: 1, reveals: 0, cancellationToken);
            metrics.Reviewed(decision.Decision);
            logger.LogInformation("Medium {MediaId} reviewed by {Reviewer}: {Decision} (automatic {AutomaticDecision})",
                medium.Id, reviewer, decision.Decision, verdict.Decision);
            return new ReviewResult<ReviewFeedback>(ReviewOutcome.Done, feedback);
        }, cancellationToken);
    }

    /// <summary>Gives the task back and never offers it to this reviewer again.</summary>
    public Task<ReviewResult<ReviewTask>> SkipAsync(Guid taskId, AuditActor actor, CancellationToken cancellationToken) =>
        ReleaseAsync(taskId, actor, skip: true, cancellationToken);

    /// <summary>Gives the task back to the queue before the lease expires; a skip is audited.</summary>
    public async Task<ReviewResult<ReviewTask>> ReleaseAsync(Guid taskId, AuditActor actor, bool skip, CancellationToken cancellationToken)
    {
        var reviewer = actor.ClientId;
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

        var held = clock.GetUtcNow() - (task.ClaimedAt ?? clock.GetUtcNow());
        task.ClaimedBy = null;
        task.ClaimedAt = null;
        task.LeaseExpiresAt = null;
        if (skip && !task.SkippedBy.Contains(reviewer))
        {
            task.SkippedBy.Add(reviewer);
            audit.Add(actor, AuditActions.ReviewSkipped, task.MediaId, new { taskId = task.Id, timeSpentSeconds = Math.Round(held.TotalSeconds, 1) });
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Review task {TaskId} of medium {MediaId} {Action} by {Reviewer}", task.Id, task.MediaId, skip ? "skipped" : "released", reviewer);
        return new(ReviewOutcome.Done, task);
    }

    internal static string? LeaseProblem(ReviewTask task, string reviewer, DateTimeOffset now) =>
        task.Status != ReviewTaskStates.Open ? $"The task is {task.Status}."
        : task.ClaimedBy != reviewer ? "The task is not claimed by you; claim it with GET /reviews/next."
        : task.LeaseExpiresAt is null || task.LeaseExpiresAt <= now ? "Your lease on the task expired; claim it again with GET /reviews/next."
        : null;
}
