using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.Results.Queries;
using Moderation.Results.Review;

namespace Moderation.Results.Apis;

/// <summary>A claimed task with what the reviewer needs to decide.</summary>
/// <param name="Revealed">What the claimer already revealed of it (<c>frame</c>, <c>original</c>, <c>player</c>), e.g. before an undo.</param>
/// <param name="Policy">The policy the decision is taken under (the version in force of the verdict's policy): its description and reason codes.</param>
public sealed record ClaimedReview(Guid TaskId, Guid MediaId, string Reason, double Priority, DateTimeOffset CreatedAt, DateTimeOffset LeaseExpiresAt,
    MediaDetails Media, IReadOnlyList<FrameView> Frames, IReadOnlyList<string>? Revealed = null, ReviewPolicyView? Policy = null);

/// <summary>What a reviewer needs to know of the policy a task is decided under.</summary>
/// <param name="RequireBlockReason">A block must carry one of <paramref name="ReasonCodes"/>.</param>
public sealed record ReviewPolicyView(string Name, int Version, string? Description, IReadOnlyList<ReasonCode> ReasonCodes, bool RequireBlockReason)
{
    public static ReviewPolicyView From(PolicyVersion p) => new(p.Name, p.Version, p.Description, p.ReasonCodes, p.RequireBlockReason);
}

/// <param name="Labels">Per class: does it truly apply? Classes left out are "not judged".</param>
/// <param name="TimeSpentSeconds">Measured by the client; defaults to the time since the claim.</param>
/// <param name="Blind">
/// Decide without having revealed any of the task's media (e.g. an obvious block); without it, a decision on a task none of
/// whose media the reviewer revealed is refused. A video or animation is never allowed blind.
/// </param>
/// <param name="AddToBank">Optionally, a hash bank that gets the medium's PDQ hash (of <paramref name="BankFrameIndex"/> for a video); undo removes it.</param>
/// <param name="ReasonCode">
/// One of the policy's reason codes (<see cref="ReviewPolicyView.ReasonCodes"/>). A policy may require one for a block: a
/// block without one is then answered 400 with the allowed codes in <c>reasonCodes</c>.
/// </param>
public sealed record ReviewDecisionRequest(Decision Decision, Dictionary<string, bool>? Labels, string? Comment, double? TimeSpentSeconds, bool? Blind = null,
    string? AddToBank = null, int? BankFrameIndex = null, string? ReasonCode = null);

public sealed record ReviewQueueStats(int Open, int Claimed, int Done, double? OldestOpenAgeSeconds);

/// <summary>One policy's queue: open tasks, how many wait unclaimed, and the oldest one's age.</summary>
public sealed record ReviewQueueView(string Policy, int Open, int Unclaimed, double? OldestOpenAgeSeconds);

public static class ReviewsApi
{
    public static RouteGroupBuilder MapReviewsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reviews").WithTags("Reviews").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/next", NextAsync);
        group.MapGet("/batch", BatchAsync);
        group.MapGet("/queues", QueuesAsync);
        group.MapGet("/stats", StatsAsync);
        group.MapPost("/{taskId:guid}/decision", DecideAsync);
        group.MapPost("/{taskId:guid}/skip", SkipAsync);
        group.MapPost("/{taskId:guid}/release", ReleaseAsync);
        return group;
    }

    /// <summary>
    /// Claims the most urgent open task with a lease (submission priority, then overdue against its priority's target, then
    /// score, then age), in the queue chosen by <c>policy</c>, <c>kind</c> (still, video, animation) and <c>reason</c>
    /// (policy, audit); 204 when that queue is empty.
    /// </summary>
    public static async Task<Results<Ok<ClaimedReview>, NoContent, ValidationProblem, ProblemHttpResult>> NextAsync(ClaimsPrincipal user, ReviewService reviews,
        MediaQueries media, RevealService reveals, AuditLog audit, PolicyStore policies, BreakService breaks, CancellationToken cancellationToken,
        string? policy = null, string? kind = null, string? reason = null)
    {
        if (Filter(policy, kind, reason) is not { } filter)
        {
            return FilterProblem();
        }

        if (await breaks.RefusalAsync(user.ClientId(), cancellationToken) is { } pause)
        {
            return BreakProblem(pause.Problem);
        }

        var task = await reviews.ClaimNextAsync(user.ClientId(), cancellationToken, filter);
        if (task is null)
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Ok(await ClaimedAsync(task, user, media, reveals, audit, policies, cancellationToken));
    }

    /// <summary>Claims up to <c>count</c> tasks of the queue at once (the grid of stills decided in batches); an empty list when it is empty.</summary>
    public static async Task<Results<Ok<List<ClaimedReview>>, ValidationProblem, ProblemHttpResult>> BatchAsync(ClaimsPrincipal user, ReviewService reviews,
        MediaQueries media, RevealService reveals, AuditLog audit, PolicyStore policies, BreakService breaks, IOptions<ReviewOptions> options,
        CancellationToken cancellationToken, int count = 12, string? policy = null, string? kind = null, string? reason = null)
    {
        if (count < 1 || count > options.Value.MaxBatch)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["count"] = [$"Expected 1–{options.Value.MaxBatch}."] });
        }

        if (Filter(policy, kind, reason) is not { } filter)
        {
            return FilterProblem();
        }

        if (await breaks.RefusalAsync(user.ClientId(), cancellationToken) is { } pause)
        {
            return BreakProblem(pause.Problem);
        }

        var claimed = new List<ClaimedReview>();
        foreach (var task in await reviews.ClaimAsync(user.ClientId(), count, filter, cancellationToken))
        {
            claimed.Add(await ClaimedAsync(task, user, media, reveals, audit, policies, cancellationToken));
        }

        return TypedResults.Ok(claimed);
    }

    /// <summary>The review queue of each policy with open tasks.</summary>
    public static async Task<Ok<List<ReviewQueueView>>> QueuesAsync(ResultsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await db.ReviewTasks.AsNoTracking().Where(t => t.Status == ReviewTaskStates.Open)
            .Join(db.Verdicts, t => t.MediaId, v => v.MediaId, (t, v) => new { v.PolicyName, t.CreatedAt, Unclaimed = t.LeaseExpiresAt == null || t.LeaseExpiresAt <= now })
            .GroupBy(x => x.PolicyName)
            .Select(g => new { Policy = g.Key, Open = g.Count(), Unclaimed = g.Count(x => x.Unclaimed), Oldest = g.Min(x => x.CreatedAt) })
            .OrderBy(x => x.Policy).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => new ReviewQueueView(r.Policy, r.Open, r.Unclaimed, (now - r.Oldest).TotalSeconds)).ToList());
    }

    private static ReviewQueueFilter? Filter(string? policy, string? kind, string? reason)
    {
        MediaKind parsed = default;
        if ((kind is { Length: > 0 } && !Enum.TryParse(kind, ignoreCase: true, out parsed))
            || (reason is { Length: > 0 } && reason is not (ReviewReasons.Policy or ReviewReasons.Audit))
            || policy is { Length: > 64 })
        {
            return null;
        }

        return new ReviewQueueFilter(string.IsNullOrEmpty(policy) ? null : policy, kind is { Length: > 0 } ? parsed.ToString() : null,
            string.IsNullOrEmpty(reason) ? null : reason);
    }

    /// <summary>409: the reviewer's enforced break is due (<c>GET /reviews/break</c> says until when).</summary>
    public static ProblemHttpResult BreakProblem(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "A break is due.");

    private static ValidationProblem FilterProblem() => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["queue"] = [$"kind is one of {string.Join(", ", Enum.GetNames<MediaKind>())}; reason is {ReviewReasons.Policy} or {ReviewReasons.Audit}; policy has at most 64 characters."],
    });

    private static async Task<ClaimedReview> ClaimedAsync(ReviewTask task, ClaimsPrincipal user, MediaQueries media, RevealService reveals, AuditLog audit,
        PolicyStore policies, CancellationToken cancellationToken)
    {
        var details = await media.DetailsAsync(task.MediaId, ownerClientId: null, cancellationToken);
        var frames = await media.FramesAsync(task.MediaId, ownerClientId: null, cancellationToken);
        await audit.CrossTenantReadAsync(user, task.MediaId, "review-task", cancellationToken, ownerKnown: true, details?.ClientId);
        var revealed = await reveals.KindsAsync(task.Id, user.ClientId(), cancellationToken);
        var policy = await policies.CurrentAsync(details!.Verdict?.Policy ?? details.Policy, cancellationToken);
        return new ClaimedReview(task.Id, task.MediaId, task.Reason, task.Priority, task.CreatedAt, task.LeaseExpiresAt!.Value, details, frames ?? [], revealed,
            ReviewPolicyView.From(policy));
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
            request.TimeSpentSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, request.Blind ?? false, request.AddToBank, request.BankFrameIndex,
            string.IsNullOrEmpty(request.ReasonCode) ? null : request.ReasonCode);
        var result = await reviews.DecideAsync(taskId, AuditActor.From(user), decision, cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.Ok(new FeedbackView(result.Value!.Id, result.Value.Reviewer, result.Value.Decision, result.Value.Labels,
                result.Value.Comment, result.Value.TimeSpent.TotalSeconds, result.Value.CreatedAt, result.Value.Blind, result.Value.ReasonCode)),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            ReviewOutcome.InvalidReasonCode => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status400BadRequest,
                title: "The decision needs one of the policy's reason codes.", extensions: new Dictionary<string, object?> { ["reasonCodes"] = result.ReasonCodes }),
            ReviewOutcome.BreakDue => BreakProblem(result.Problem!),
            ReviewOutcome.Unseen => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The task's media was not looked at."),
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
        var result = await reviews.ReleaseAsync(taskId, AuditActor.From(user), skip, cancellationToken);
        return result.Outcome switch
        {
            ReviewOutcome.Done => TypedResults.NoContent(),
            ReviewOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "The task is not yours to give back."),
        };
    }
}
