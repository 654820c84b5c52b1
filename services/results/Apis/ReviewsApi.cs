using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Queries;
using Moderation.Results.Review;

namespace Moderation.Results.Apis;

/// <summary>A claimed task with what the reviewer needs to decide.</summary>
public sealed record ClaimedReview(Guid TaskId, Guid MediaId, string Reason, double Priority, DateTimeOffset CreatedAt, DateTimeOffset LeaseExpiresAt,
    MediaDetails Media, IReadOnlyList<FrameView> Frames);

/// <param name="Labels">Per class: does it truly apply? Classes left out are "not judged".</param>
/// <param name="TimeSpentSeconds">Measured by the client; defaults to the time since the claim.</param>
/// <param name="AddToBank">Optionally, a hash bank that gets the medium's PDQ hash (of <paramref name="BankFrameIndex"/> for a video); undo removes it.</param>
public sealed record ReviewDecisionRequest(Decision Decision, Dictionary<string, bool>? Labels, string? Comment, double? TimeSpentSeconds,
    string? AddToBank = null, int? BankFrameIndex = null);

public sealed record ReviewQueueStats(int Open, int Claimed, int Done, double? OldestOpenAgeSeconds);

public static class ReviewsApi
{
    public static RouteGroupBuilder MapReviewsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/next", NextAsync);
        group.MapGet("/stats", StatsAsync);
        group.MapPost("/{taskId:guid}/decision", DecideAsync);
        group.MapPost("/{taskId:guid}/skip", SkipAsync);
        group.MapPost("/{taskId:guid}/release", ReleaseAsync);
        return group;
    }

    /// <summary>Claims the most urgent open task (highest score, then oldest) with a lease; 204 when the queue is empty.</summary>
    public static async Task<Results<Ok<ClaimedReview>, NoContent>> NextAsync(ClaimsPrincipal user, ReviewService reviews, MediaQueries media,
        AuditLog audit, CancellationToken cancellationToken)
    {
        var task = await reviews.ClaimNextAsync(user.ClientId(), cancellationToken);
        if (task is null)
        {
            return TypedResults.NoContent();
        }

        var details = await media.DetailsAsync(task.MediaId, ownerClientId: null, cancellationToken);
        var frames = await media.FramesAsync(task.MediaId, ownerClientId: null, cancellationToken);
        await audit.CrossTenantReadAsync(user, task.MediaId, "review-task", cancellationToken, ownerKnown: true, details?.ClientId);
        return TypedResults.Ok(new ClaimedReview(task.Id, task.MediaId, task.Reason, task.Priority, task.CreatedAt, task.LeaseExpiresAt!.Value, details!, frames ?? []));
    }

    public static async Task<Results<Ok<FeedbackView>, NotFound, ValidationProblem, ProblemHttpResult>> DecideAsync(
        Guid taskId, ReviewDecisionRequest request, ClaimsPrincipal user, ReviewService reviews, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Decision is not (Decision.Allow or Decision.Block))
        {
            errors["decision"] = ["A reviewer decides allow or block."];
        }

        if (request.Labels is { Count: > 64 } || request.Labels?.Keys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 64) == true)
        {
            errors["labels"] = ["At most 64 labels, each with a class name of 1–64 characters."];
        }

        if (request.Comment is { Length: > 4096 })
        {
            errors["comment"] = ["At most 4096 characters."];
        }

        if (request.TimeSpentSeconds is < 0 or > 86_400)
        {
            errors["timeSpentSeconds"] = ["Expected 0–86400."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (request.AddToBank is { Length: 0 or > 64 } || request.BankFrameIndex is < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["addToBank"] = ["A bank name of 1–64 characters, and a frame index ≥ 0."] });
        }

        var decision = new ReviewDecision(request.Decision, request.Labels ?? [], request.Comment,
            request.TimeSpentSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, request.AddToBank, request.BankFrameIndex);
        var result = await reviews.DecideAsync(taskId, AuditActor.From(user), decision, cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.Ok(new FeedbackView(result.Value!.Id, result.Value.Reviewer, result.Value.Decision, result.Value.Labels,
                result.Value.Comment, result.Value.TimeSpent.TotalSeconds, result.Value.CreatedAt)),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The task cannot be decided."),
        };
    }

    /// <summary>Returns the task to the queue and never offers it to this reviewer again.</summary>
    public static Task<Results<NoContent, NotFound, ProblemHttpResult>> SkipAsync(Guid taskId, ClaimsPrincipal user, ReviewService reviews,
        CancellationToken cancellationToken) => GiveBackAsync(taskId, user, reviews, skip: true, cancellationToken);

    /// <summary>Returns the task to the queue before its lease expires.</summary>
    public static Task<Results<NoContent, NotFound, ProblemHttpResult>> ReleaseAsync(Guid taskId, ClaimsPrincipal user, ReviewService reviews,
        CancellationToken cancellationToken) => GiveBackAsync(taskId, user, reviews, skip: false, cancellationToken);

    public static async Task<Ok<ReviewQueueStats>> StatsAsync(ResultsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var open = await db.ReviewTasks.CountAsync(t => t.Status == ReviewTaskStates.Open, cancellationToken);
        var claimed = await db.ReviewTasks.CountAsync(t => t.Status == ReviewTaskStates.Open && t.LeaseExpiresAt > now, cancellationToken);
        var done = await db.ReviewTasks.CountAsync(t => t.Status == ReviewTaskStates.Done, cancellationToken);
        var oldest = await db.ReviewTasks.Where(t => t.Status == ReviewTaskStates.Open).MinAsync(t => (DateTimeOffset?)t.CreatedAt, cancellationToken);
        return TypedResults.Ok(new ReviewQueueStats(open, claimed, done, oldest is null ? null : (now - oldest.Value).TotalSeconds));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> GiveBackAsync(Guid taskId, ClaimsPrincipal user, ReviewService reviews, bool skip,
        CancellationToken cancellationToken)
    {
        var result = await reviews.ReleaseAsync(taskId, user.ClientId(), skip, cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.NoContent(),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The task is not yours to give back."),
        };
    }
}
