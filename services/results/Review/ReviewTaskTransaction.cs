using Microsoft.EntityFrameworkCore;
using Moderation.Results.Aggregation;
using Moderation.Results.Data;

namespace Moderation.Results.Review;

internal static class ReviewTaskTransaction
{
    /// <summary>
    /// Runs <paramref name="work"/> on a review task inside its medium's transaction: the medium's row lock first (as every
    /// writer of the medium takes it), then the task's row; <see cref="ReviewOutcome.NotFound"/> for an unknown task.
    /// </summary>
    public static async Task<ReviewResult<T>> RunOnTaskAsync<T>(this MediumTransaction mediumTransaction, ResultsDbContext db, Guid taskId,
        Func<Medium, ReviewTask, Task<ReviewResult<T>>> work, CancellationToken cancellationToken)
    {
        var mediaId = await db.ReviewTasks.AsNoTracking().Where(t => t.Id == taskId).Select(t => (Guid?)t.MediaId).FirstOrDefaultAsync(cancellationToken);
        if (mediaId is null)
        {
            return new(ReviewOutcome.NotFound, default);
        }

        return await mediumTransaction.RunAsync(mediaId.Value, Guid.Empty, async medium =>
        {
            var task = await db.ReviewTasks.FromSql($"SELECT * FROM review_tasks WHERE id = {taskId} FOR UPDATE").SingleAsync(cancellationToken);
            return await work(medium, task);
        }, whenErased: new(ReviewOutcome.NotFound, default), cancellationToken);
    }
}
