using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Review;

namespace Moderation.Results.Apis;

/// <param name="Kind"><c>frame</c> (with <paramref name="FrameIndex"/>), <c>original</c> or <c>player</c>.</param>
public sealed record RevealRequest(string Kind, int? FrameIndex);

public sealed record ExposureHistory(ExposureDay Today, IReadOnlyList<ExposureDay> Days);

public static class ReviewRevealsApi
{
    public const int MaxExposureDays = 366;

    public static RouteGroupBuilder MapReviewRevealsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapPost("/{taskId:guid}/reveals", RevealAsync);
        group.MapGet("/exposure", ExposureAsync);
        group.MapGet("/break", BreakAsync);
        return group;
    }

    /// <summary>
    /// Records that the caller, holding the task, unblurred a frame, the original or played the video: a decision on the
    /// task needs one such look (or <c>blind</c>). Counted once per thing; the answer is the caller's exposure today.
    /// </summary>
    public static async Task<Results<Ok<ExposureDay>, NotFound, ValidationProblem, ProblemHttpResult>> RevealAsync(Guid taskId, RevealRequest request,
        ClaimsPrincipal user, RevealService reveals, CancellationToken cancellationToken)
    {
        if (!RevealKinds.All.Contains(request.Kind ?? ""))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = [$"Expected one of {string.Join(", ", RevealKinds.All)}."] });
        }

        if (request.Kind == RevealKinds.Frame && request.FrameIndex is not >= 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["frameIndex"] = ["A frame reveal names its frame (0 or more)."] });
        }

        var result = await reveals.RevealAsync(taskId, AuditActor.From(user), request.Kind!, request.FrameIndex, cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.Ok(result.Value!),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            ReviewOutcome.BreakDue => ReviewsApi.BreakProblem(result.Problem!),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The task is not yours to look at."),
        };
    }

    /// <summary>The caller's enforced break: whether it is due, the current stretch of work, when the desk opens again.</summary>
    public static async Task<Ok<BreakState>> BreakAsync(ClaimsPrincipal user, BreakService breaks, CancellationToken cancellationToken) =>
        TypedResults.Ok(await breaks.StateAsync(user.ClientId(), cancellationToken));

    /// <summary>The caller's exposure: today and each of the last <paramref name="days"/> days with any.</summary>
    public static async Task<Results<Ok<ExposureHistory>, ValidationProblem>> ExposureAsync(ClaimsPrincipal user, RevealService reveals, TimeProvider clock,
        CancellationToken cancellationToken, int days = 7)
    {
        if (days is < 1 or > MaxExposureDays)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [$"Expected 1–{MaxExposureDays}."] });
        }

        var reviewer = user.ClientId();
        var from = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(1 - days);
        return TypedResults.Ok(new ExposureHistory(await reveals.TodayAsync(reviewer, cancellationToken), await reveals.DaysAsync(reviewer, from, cancellationToken)));
    }
}
