using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Review;

namespace Moderation.Results.Apis;

public static class ReviewUndoApi
{
    public static RouteGroupBuilder MapReviewUndoApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapPost("/{taskId:guid}/undo", UndoAsync);
        group.MapPost("/{taskId:guid}/unskip", UnskipAsync);
        group.MapGet("/recent", RecentAsync);
        return group;
    }

    /// <summary>
    /// Takes back the caller's own decision on the task within <c>Review:UndoWindow</c>: the task is open and claimed by the
    /// caller again, and the decision in force is the one before it. 409 when the window has passed or the decision is not theirs.
    /// </summary>
    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> UndoAsync(Guid taskId, ClaimsPrincipal user, ReviewUndoService undo,
        CancellationToken cancellationToken)
    {
        var result = await undo.UndoAsync(taskId, AuditActor.From(user), cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.NoContent(),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The decision cannot be undone."),
        };
    }

    /// <summary>Takes back the caller's skip of a task still open; it is claimed by the caller again unless another reviewer holds it.</summary>
    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> UnskipAsync(Guid taskId, ClaimsPrincipal user, ReviewUndoService undo,
        CancellationToken cancellationToken)
    {
        var result = await undo.UnskipAsync(taskId, AuditActor.From(user), cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.NoContent(),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The skip cannot be undone."),
        };
    }

    /// <summary>The caller's decisions and skips within <c>Review:UndoWindow</c>, newest first: what the desk offers to undo.</summary>
    public static async Task<Ok<IReadOnlyList<RecentReview>>> RecentAsync(ClaimsPrincipal user, ReviewUndoService undo, CancellationToken cancellationToken) =>
        TypedResults.Ok(await undo.RecentAsync(user.ClientId(), cancellationToken));
}
