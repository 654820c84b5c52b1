using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Review;

/// <summary>A reviewer's exposure on one day.</summary>
public sealed record ExposureDay(DateOnly Day, int Items, int Reveals);

/// <summary>
/// Records what a reviewer looked at while holding a task. A decision needs at least one reveal of the task, or the
/// reviewer's explicit word that it is blind (<see cref="ReviewService.DecideAsync"/>); every reveal counts towards the
/// reviewer's exposure of the day and is audited.
/// </summary>
public sealed class RevealService(ResultsDbContext db, AuditLog audit, BreakService breaks, TimeProvider clock, ILogger<RevealService> logger)
{
    /// <summary>Records the reveal once per task, reviewer and thing; the answer is the reviewer's exposure today.</summary>
    public async Task<ReviewResult<ExposureDay>> RevealAsync(Guid taskId, AuditActor actor, string kind, int? frameIndex, CancellationToken cancellationToken)
    {
        var reviewer = actor.ClientId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var task = await db.ReviewTasks.FromSql($"SELECT * FROM review_tasks WHERE id = {taskId} FOR UPDATE").AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (task is null)
        {
            return new(ReviewOutcome.NotFound, null);
        }

        var now = clock.GetUtcNow();
        if (ReviewService.LeaseProblem(task, reviewer, now) is { } problem)
        {
            return new(ReviewOutcome.Conflict, null, problem);
        }

        if (await breaks.RefusalAsync(reviewer, cancellationToken) is { } pause)
        {
            return new(ReviewOutcome.BreakDue, null, pause.Problem);
        }

        var frame = kind == RevealKinds.Frame ? frameIndex : null;
        var seen = await db.ReviewReveals.AnyAsync(r => r.TaskId == taskId && r.Reviewer == reviewer && r.Kind == kind && r.FrameIndex == frame, cancellationToken);
        if (!seen)
        {
            db.ReviewReveals.Add(new ReviewReveal
            {
                Id = Guid.CreateVersion7(),
                TaskId = taskId,
                MediaId = task.MediaId,
                Reviewer = reviewer,
                Kind = kind,
                FrameIndex = frame,
                At = now,
            });
            audit.Add(actor, AuditActions.ReviewRevealed, task.MediaId, new { taskId, kind, frameIndex = frame });
            await db.SaveChangesAsync(cancellationToken);
            await CountAsync(reviewer, now, items: 0, reveals: 1, cancellationToken);
            logger.LogInformation("{Reviewer} revealed {Kind} {FrameIndex} of medium {MediaId}", reviewer, kind, frame, task.MediaId);
        }

        await transaction.CommitAsync(cancellationToken);
        return new(ReviewOutcome.Done, await TodayAsync(reviewer, cancellationToken));
    }

    /// <summary>The kinds of things the reviewer revealed of the task.</summary>
    public async Task<IReadOnlyList<string>> KindsAsync(Guid taskId, string reviewer, CancellationToken cancellationToken) =>
        await db.ReviewReveals.AsNoTracking().Where(r => r.TaskId == taskId && r.Reviewer == reviewer).Select(r => r.Kind).Distinct().ToListAsync(cancellationToken);

    /// <summary>Whether the reviewer revealed any of the task's media.</summary>
    public Task<bool> AnyAsync(Guid taskId, string reviewer, CancellationToken cancellationToken) =>
        db.ReviewReveals.AnyAsync(r => r.TaskId == taskId && r.Reviewer == reviewer, cancellationToken);

    /// <summary>Whether the reviewer saw moving pictures of the task: a frame or the player.</summary>
    public Task<bool> AnyMovingAsync(Guid taskId, string reviewer, CancellationToken cancellationToken) =>
        db.ReviewReveals.AnyAsync(r => r.TaskId == taskId && r.Reviewer == reviewer && (r.Kind == RevealKinds.Frame || r.Kind == RevealKinds.Player), cancellationToken);

    /// <summary>Adds to the reviewer's counters of the UTC day of <paramref name="at"/>, in the caller's transaction.</summary>
    public Task CountAsync(string reviewer, DateTimeOffset at, int items, int reveals, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO reviewer_exposure (reviewer, day, items, reveals) VALUES ({reviewer}, {day}, {items}, {reveals})
            ON CONFLICT (reviewer, day) DO UPDATE SET items = reviewer_exposure.items + excluded.items, reveals = reviewer_exposure.reveals + excluded.reveals
            """, cancellationToken);
    }

    public async Task<ExposureDay> TodayAsync(string reviewer, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var row = await db.ReviewerExposure.AsNoTracking().FirstOrDefaultAsync(e => e.Reviewer == reviewer && e.Day == day, cancellationToken);
        return new ExposureDay(day, row?.Items ?? 0, row?.Reveals ?? 0);
    }

    /// <summary>The reviewer's days with any exposure from <paramref name="from"/>, oldest first.</summary>
    public async Task<IReadOnlyList<ExposureDay>> DaysAsync(string reviewer, DateOnly from, CancellationToken cancellationToken) =>
        await db.ReviewerExposure.AsNoTracking().Where(e => e.Reviewer == reviewer && e.Day >= from).OrderBy(e => e.Day)
            .Select(e => new ExposureDay(e.Day, e.Items, e.Reveals)).ToListAsync(cancellationToken);

    /// <summary>Why a decision on a task with nothing revealed cannot be taken, or null when it can.</summary>
    public async Task<string?> UnseenProblemAsync(Guid taskId, string reviewer, MediaKind? kind, Decision decision, bool blind, CancellationToken cancellationToken)
    {
        if (kind is MediaKind.Video or MediaKind.Animation && decision == Decision.Allow)
        {
            return await AnyMovingAsync(taskId, reviewer, cancellationToken) ? null
                : "A video or animation is allowed only after a look at it: reveal a frame (POST /reviews/{taskId}/reveals with kind \"frame\") or play it (kind \"player\"). A blind decision may only block it.";
        }

        return blind || await AnyAsync(taskId, reviewer, cancellationToken) ? null
            : "None of the task's media was revealed. Reveal a frame, the original or the player first (POST /reviews/{taskId}/reveals), or send \"blind\": true to record a decision taken without looking.";
    }
}
