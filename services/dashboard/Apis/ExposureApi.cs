using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;

namespace Moderation.Dashboard.Apis;

public sealed record RevealRequest(Guid TaskId, int FrameIndex);

/// <summary>The exposure counter as the task view's script reports and shows it.</summary>
public sealed record ExposureView(int Items, int Reveals, int ItemsSinceBreak, int RevealsSinceBreak, string? BreakReminder)
{
    public static ExposureView From(ExposureState state, BreakReminder? reminder) =>
        new(state.Items, state.Reveals, state.ItemsSinceBreak, state.RevealsSinceBreak, reminder?.Reason);
}

public static class ExposureApi
{
    public static RouteGroupBuilder MapExposureApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/exposure").RequireAuthorization(ModerationScopes.Read);
        group.MapPost("/reveal", RevealAsync);
        return group;
    }

    /// <summary>Counts one unblurred frame (once per task and frame). Called by script, so the antiforgery token comes in a header.</summary>
    public static async Task<Results<Ok<ExposureView>, BadRequest>> RevealAsync(RevealRequest request, HttpContext context, IAntiforgery antiforgery,
        ExposureTracker exposure, ILogger<ExposureTracker> logger)
    {
        if (!await antiforgery.IsRequestValidAsync(context) || request.FrameIndex < 0)
        {
            return TypedResults.BadRequest();
        }

        var state = exposure.RecordReveal(request.TaskId, request.FrameIndex);
        logger.LogDebug("{Reviewer} revealed frame {FrameIndex} of task {TaskId}", context.User.ReviewerName(), request.FrameIndex, request.TaskId);
        return TypedResults.Ok(ExposureView.From(state, exposure.DueBreak(state)));
    }
}
