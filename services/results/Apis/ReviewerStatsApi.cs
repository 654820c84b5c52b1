using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Review;

namespace Moderation.Results.Apis;

public static class ReviewerStatsApi
{
    public static RouteGroupBuilder MapReviewerStatsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews/reviewers").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/", ReviewersAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapGet("/{reviewer}/stats", StatsAsync);
        return group;
    }

    /// <summary>The reviewers active in the last <c>days</c> days (administrators).</summary>
    public static async Task<Results<Ok<IReadOnlyList<string>>, ValidationProblem>> ReviewersAsync(ReviewerStatistics statistics, CancellationToken cancellationToken,
        int days = 30)
    {
        if (days is < 1 or > ReviewerStatistics.MaxDays)
        {
            return DaysProblem();
        }

        return TypedResults.Ok(await statistics.ReviewersAsync(days, cancellationToken));
    }

    /// <summary>
    /// A reviewer's decisions per hour, median handling time, agreement with other reviewers and exposure per day over the
    /// last <c>days</c> UTC days. Administrators read anyone's; a reviewer only their own (403 otherwise).
    /// </summary>
    public static async Task<Results<Ok<ReviewerStats>, ForbidHttpResult, ValidationProblem>> StatsAsync(string reviewer, ClaimsPrincipal user,
        ReviewerStatistics statistics, CancellationToken cancellationToken, int days = 14)
    {
        if (days is < 1 or > ReviewerStatistics.MaxDays)
        {
            return DaysProblem();
        }

        if (!user.HasScope(ModerationScopes.Admin) && reviewer != user.ClientId())
        {
            return TypedResults.Forbid();
        }

        return TypedResults.Ok(await statistics.ForAsync(reviewer, days, cancellationToken));
    }

    private static ValidationProblem DaysProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [$"Expected 1–{ReviewerStatistics.MaxDays}."] });
}
