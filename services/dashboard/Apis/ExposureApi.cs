using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Apis;

/// <param name="Kind"><c>frame</c> (the default, with <paramref name="FrameIndex"/>), <c>original</c> or <c>player</c>.</param>
public sealed record RevealRequest(Guid TaskId, int FrameIndex, string? Kind = null);

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
        var group = app.MapGroup("/exposure").RequireAuthorization(ModerationScopes.Review);
        group.MapPost("/reveal", RevealAsync);
        return group;
    }

    /// <summary>
    /// Records a look at the task's media in results (the proof a decision needs, and the reviewer's exposure of the day),
    /// then counts it for this session's break reminder (once per task and frame). Called by script, so the antiforgery
    /// token comes in a header. 409 when results does not take it (the task is not the reviewer's any more).
    /// </summary>
    public static async Task<Results<Ok<ExposureView>, BadRequest, Conflict<string>>> RevealAsync(RevealRequest request, HttpContext context, IAntiforgery antiforgery,
        ExposureTracker exposure, ResultsClient results, ILogger<ExposureTracker> logger, CancellationToken cancellationToken)
    {
        var kind = request.Kind ?? "frame";
        if (!await antiforgery.IsRequestValidAsync(context) || request.FrameIndex < 0 || kind is not ("frame" or "original" or "player"))
        {
            return TypedResults.BadRequest();
        }

        try
        {
            await results.RevealAsync(request.TaskId, kind, kind == "frame" ? request.FrameIndex : null, cancellationToken);
        }
        catch (ResultsApiException e) when (e.Status is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return TypedResults.Conflict(e.Message);
        }

        var state = exposure.RecordReveal(request.TaskId, kind == "frame" ? $"frame:{request.FrameIndex}" : kind);
        logger.LogDebug("{Reviewer} revealed {Kind} {FrameIndex} of task {TaskId}", context.User.ReviewerName(), kind, request.FrameIndex, request.TaskId);
        return TypedResults.Ok(ExposureView.From(state, exposure.DueBreak(state)));
    }
}
