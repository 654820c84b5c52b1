using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Evaluation;
using Moderation.Results.Policies;

namespace Moderation.Results.Apis;

/// <param name="Models">The model configuration (<c>mobilenet_v2</c> or <c>cascade-v1</c>); <paramref name="CascadeMargin"/> widens the cascade's band below the review thresholds.</param>
/// <param name="CorroborationFrames">Videos and animations block only on this many samples over a block threshold …</param>
/// <param name="CorroborationSeconds">… or on a run of them spanning this many seconds; otherwise they go to review.</param>
/// <param name="SmoothingWindow">Samples averaged around each one before thresholds apply (1: none).</param>
/// <param name="Description">What the policy is for, shown to reviewers on the desk.</param>
/// <param name="ReasonCodes">The reasons a reviewer's decision may carry (<c>reasonCode</c> of a decision).</param>
/// <param name="RequireBlockReason">A block must carry one of <paramref name="ReasonCodes"/>.</param>
public sealed record PolicyView(string Name, int Version, IReadOnlyDictionary<string, float> Block, IReadOnlyDictionary<string, float> Review, bool EarlyExit,
    DateTimeOffset CreatedAt, string CreatedBy, string? Comment, string Models, float CascadeMargin, int CorroborationFrames, double CorroborationSeconds,
    int SmoothingWindow, string? Description, IReadOnlyList<ReasonCode> ReasonCodes, bool RequireBlockReason)
{
    public static PolicyView From(PolicyVersion p) => new(p.Name, p.Version, p.BlockThresholds, p.ReviewThresholds, p.EarlyExit, p.CreatedAt, p.CreatedBy, p.Comment,
        p.Models, p.CascadeMargin, p.CorroborationFrames, p.CorroborationSeconds, p.SmoothingWindow, p.Description, p.ReasonCodes, p.RequireBlockReason);
}

/// <summary>A new policy version; absent temporal rules take their defaults (2 frames, 2 s, no smoothing).</summary>
/// <param name="Models">The model configuration; <c>mobilenet_v2</c> when absent.</param>
/// <param name="CascadeMargin">The cascade's band margin; <see cref="ModerationPolicy.DefaultCascadeMargin"/> when absent.</param>
/// <param name="Description">What the policy is for, for reviewers; kept from the version in force when absent, "" clears it.</param>
/// <param name="ReasonCodes">The reason codes reviewers give; kept from the version in force when absent, <c>[]</c> clears them.</param>
/// <param name="RequireBlockReason">A block must carry a reason code; kept from the version in force when absent.</param>
public sealed record PolicyRequest(string Name, Dictionary<string, float>? Block, Dictionary<string, float>? Review, bool? EarlyExit, string? Comment,
    string? Models = null, float? CascadeMargin = null, int? CorroborationFrames = null, double? CorroborationSeconds = null, int? SmoothingWindow = null,
    string? Description = null, List<ReasonCode>? ReasonCodes = null, bool? RequireBlockReason = null);

public enum ThresholdLevel
{
    Review,
    Block,
}

/// <summary>Apply the recommended threshold for <paramref name="Class"/> at <paramref name="Level"/> as a new policy version.</summary>
public sealed record ApplyRecommendationRequest(string Class, ThresholdLevel Level, RecommendationTarget Target, double Value, string? ModelVersion,
    DateTimeOffset? Since, string? Comment);

public sealed record AppliedRecommendation(PolicyView Policy, ClassRecommendation Recommendation);

public static partial class PoliciesApi
{
    public static RouteGroupBuilder MapPoliciesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/policies").WithTags("Policies").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/", ListAsync);
        group.MapGet("/{name}/versions", VersionsAsync);
        group.MapGet("/{name}/versions/{version:int}", GetVersionAsync);
        group.MapPost("/", CreateAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{name}/apply-recommendation", ApplyRecommendationAsync).RequireAuthorization(ModerationScopes.Admin);
        return group;
    }

    /// <summary>The version in force of every policy.</summary>
    public static async Task<Ok<List<PolicyView>>> ListAsync(PolicyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListCurrentAsync(cancellationToken)).Select(PolicyView.From).ToList());

    public static async Task<Results<Ok<List<PolicyView>>, NotFound>> VersionsAsync(string name, PolicyStore store, CancellationToken cancellationToken)
    {
        var versions = await store.VersionsAsync(name, cancellationToken);
        return versions.Count == 0 ? TypedResults.NotFound() : TypedResults.Ok(versions.Select(PolicyView.From).ToList());
    }

    public static async Task<Results<Ok<PolicyView>, NotFound>> GetVersionAsync(string name, int version, PolicyStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(name, version, cancellationToken) is { } policy ? TypedResults.Ok(PolicyView.From(policy)) : TypedResults.NotFound();

    /// <summary>Appends a new version of a policy (creating the policy when the name is new). Verdicts keep the version they were decided under.</summary>
    public static async Task<Results<Created<PolicyView>, ValidationProblem>> CreateAsync(PolicyRequest request, ClaimsPrincipal user, PolicyStore store,
        CancellationToken cancellationToken)
    {
        var block = request.Block ?? [];
        var review = request.Review ?? [];
        var models = new PolicyModels(request.Models ?? ModelConfigurations.MobileNetV2, request.CascadeMargin ?? ModerationPolicy.DefaultCascadeMargin);
        var temporal = new TemporalRules(request.CorroborationFrames ?? PolicyDefaults.CorroborationFrames,
            request.CorroborationSeconds ?? PolicyDefaults.CorroborationSeconds, request.SmoothingWindow ?? PolicyDefaults.SmoothingWindow);
        var current = string.IsNullOrEmpty(request.Name) ? null : await store.LatestAsync(request.Name, cancellationToken);
        var guidance = new PolicyGuidance(
            request.Description is null ? current?.Description : request.Description.Length == 0 ? null : request.Description,
            request.ReasonCodes ?? current?.ReasonCodes ?? [],
            request.RequireBlockReason ?? current?.RequireBlockReason ?? false);
        var errors = ModerationPolicy.Validate(block, review).Concat(ModerationPolicy.ValidateModels(models.Models, models.CascadeMargin))
            .Concat(temporal.Validate()).Concat(ModerationPolicy.ValidateGuidance(guidance)).ToList();
        if (string.IsNullOrEmpty(request.Name) || !PolicyName().IsMatch(request.Name))
        {
            errors.Add("name: 1–64 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit.");
        }

        if (request.Comment is { Length: > 1024 })
        {
            errors.Add("comment: at most 1024 characters.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["policy"] = [.. errors] });
        }

        var policy = await store.AddVersionAsync(request.Name, block, review, request.EarlyExit ?? true, temporal, AuditActor.From(user), request.Comment, cancellationToken,
            models, guidance);
        return TypedResults.Created($"/policies/{policy.Name}/versions/{policy.Version}", PolicyView.From(policy));
    }

    /// <summary>Computes the threshold recommendation from reviewed feedback and applies it as a new version of the policy.</summary>
    public static async Task<Results<Created<AppliedRecommendation>, NotFound, ValidationProblem, ProblemHttpResult>> ApplyRecommendationAsync(
        string name, ApplyRecommendationRequest request, ClaimsPrincipal user, PolicyStore store, EvaluationService evaluation, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Class) || request.Value is < 0 or > 1)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["request"] = ["A class and a target value between 0 and 1 are required."] });
        }

        var current = await store.LatestAsync(name, cancellationToken);
        if (current is null)
        {
            return TypedResults.NotFound();
        }

        ClassRecommendation recommendation;
        try
        {
            recommendation = await evaluation.RecommendAsync(request.Class, request.Target, request.Value, request.ModelVersion, name, request.Since,
                clientId: null, cancellationToken);
        }
        catch (InsufficientFeedbackException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not enough reviewed feedback.");
        }

        if (!recommendation.Recommendation.Achievable)
        {
            return TypedResults.Problem($"No threshold reaches {request.Target} {request.Value} on the reviewed feedback.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "Target not achievable.");
        }

        var threshold = recommendation.Recommendation.Point.Threshold;
        var block = new Dictionary<string, float>(current.BlockThresholds);
        var review = new Dictionary<string, float>(current.ReviewThresholds);
        (request.Level == ThresholdLevel.Block ? block : review)[request.Class] = threshold;
        var comment = request.Comment ?? $"{request.Level} threshold of {request.Class} set to {threshold:0.####} for {request.Target} {request.Value:0.####} " +
            $"(measured recall {recommendation.Recommendation.Point.Recall:0.###}, FPR {recommendation.Recommendation.Point.FalsePositiveRate:0.###}).";
        var policy = await store.AddVersionAsync(name, block, review, current.EarlyExit, TemporalRules.Of(current), AuditActor.From(user), comment, cancellationToken,
            new PolicyModels(current.Models, current.CascadeMargin), PolicyGuidance.Of(current));
        return TypedResults.Created($"/policies/{policy.Name}/versions/{policy.Version}", new AppliedRecommendation(PolicyView.From(policy), recommendation));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex PolicyName();
}
