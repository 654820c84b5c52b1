using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Data;

namespace Moderation.Results.Apis;

/// <summary>A reviewer's desk settings: blur strength (CSS pixels) and greyscale of pictures not revealed.</summary>
public sealed record ReviewerSettingsView(int BlurPixels, bool Greyscale)
{
    public static readonly ReviewerSettingsView Default = new(ReviewerSettings.DefaultBlurPixels, true);
}

public static class ReviewerSettingsApi
{
    public static RouteGroupBuilder MapReviewerSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews/settings").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/", GetAsync);
        group.MapPut("/", PutAsync);
        return group;
    }

    /// <summary>The caller's own settings; the defaults until they change them.</summary>
    public static async Task<Ok<ReviewerSettingsView>> GetAsync(ClaimsPrincipal user, ResultsDbContext db, CancellationToken cancellationToken)
    {
        var reviewer = user.ClientId();
        var row = await db.ReviewerSettings.AsNoTracking().FirstOrDefaultAsync(s => s.Reviewer == reviewer, cancellationToken);
        return TypedResults.Ok(row is null ? ReviewerSettingsView.Default : new ReviewerSettingsView(row.BlurPixels, row.Greyscale));
    }

    public static async Task<Results<Ok<ReviewerSettingsView>, ValidationProblem>> PutAsync(ReviewerSettingsView request, ClaimsPrincipal user, ResultsDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request.BlurPixels is < 0 or > ReviewerSettings.MaxBlurPixels)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["blurPixels"] = [$"Expected 0–{ReviewerSettings.MaxBlurPixels}."] });
        }

        var reviewer = user.ClientId();
        var (blur, grey, now) = (request.BlurPixels, request.Greyscale, clock.GetUtcNow());
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO reviewer_settings (reviewer, blur_pixels, greyscale, updated_at) VALUES ({reviewer}, {blur}, {grey}, {now})
            ON CONFLICT (reviewer) DO UPDATE SET blur_pixels = excluded.blur_pixels, greyscale = excluded.greyscale, updated_at = excluded.updated_at
            """, cancellationToken);
        return TypedResults.Ok(request);
    }
}
