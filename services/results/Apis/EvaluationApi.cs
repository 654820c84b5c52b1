using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Evaluation;

namespace Moderation.Results.Apis;

public static class EvaluationApi
{
    public static RouteGroupBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/evaluation").WithTags("Evaluation").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", ReportAsync);
        group.MapGet("/recommendation", RecommendAsync);
        return group;
    }

    /// <summary>
    /// Precision, recall and false-positive rate of the automatic decisions against reviewer feedback, per model version and
    /// class, over the caller's client's media (review and admin keys: <paramref name="clientId"/>'s, or every client's).
    /// </summary>
    public static async Task<Results<Ok<EvaluationReport>, ProblemHttpResult>> ReportAsync(EvaluationService evaluation, ClaimsPrincipal user, AuditLog audit,
        [FromQuery] DateTimeOffset? since, [FromQuery] DateTimeOffset? until, [FromQuery] string? modelVersion, [FromQuery] string? clientId,
        CancellationToken cancellationToken)
    {
        var (client, refusal) = await TenantScope.ResolveAsync(user, clientId, audit, "evaluation", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        return TypedResults.Ok(await evaluation.ReportAsync(since, until, modelVersion, client, cancellationToken));
    }

    /// <summary>
    /// The threshold for a class that meets a target recall or false-positive rate, with the ROC/PR curve it was read from,
    /// over the reviewed media of the caller's client (review and admin keys: <paramref name="clientId"/>'s, or every client's).
    /// </summary>
    public static async Task<Results<Ok<ClassRecommendation>, ValidationProblem, ProblemHttpResult>> RecommendAsync(
        EvaluationService evaluation,
        ClaimsPrincipal user,
        AuditLog audit,
        [FromQuery(Name = "class")] string? className,
        [FromQuery] double? targetRecall,
        [FromQuery] double? targetFalsePositiveRate,
        [FromQuery] string? modelVersion,
        [FromQuery] DateTimeOffset? since,
        [FromQuery] string? clientId,
        CancellationToken cancellationToken,
        [FromQuery] string policy = ResultsDbContext.DefaultPolicyName)
    {
        // Written as "not inside [0, 1]" so NaN, which compares false with everything, is refused too.
        if (string.IsNullOrWhiteSpace(className) || (targetRecall is null) == (targetFalsePositiveRate is null)
            || targetRecall is { } recallTarget && !(recallTarget is >= 0 and <= 1)
            || targetFalsePositiveRate is { } rateTarget && !(rateTarget is >= 0 and <= 1))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["query"] = ["Give class and exactly one of targetRecall or targetFalsePositiveRate (0–1)."],
            });
        }

        var (client, refusal) = await TenantScope.ResolveAsync(user, clientId, audit, "evaluation/recommendation", cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        try
        {
            var (target, value) = targetRecall is { } recall ? (RecommendationTarget.Recall, recall) : (RecommendationTarget.FalsePositiveRate, targetFalsePositiveRate!.Value);
            return TypedResults.Ok(await evaluation.RecommendAsync(className, target, value, modelVersion, policy, since, client, cancellationToken));
        }
        catch (InsufficientFeedbackException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not enough reviewed feedback.");
        }
    }
}
