using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Moderation.Auth;
using Moderation.Results.Audit;
using Moderation.Results.Privacy;

namespace Moderation.Results.Apis;

/// <summary>
/// Legal hold (review and admin keys, the cross-tenant scopes: a reviewer who meets material to preserve for a case
/// holds it from the desk): a held medium can be neither erased (<c>DELETE /media/{id}</c> answers 409) nor thinned by
/// retention. Setting and lifting are recorded in the audit log with who and why; a client's own read or submit key
/// cannot lift a hold placed on its medium.
/// </summary>
public static class LegalHoldApi
{
    public static RouteGroupBuilder MapLegalHoldApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/media/{id:guid}/legal-hold").WithTags("Media").RequireAuthorization(ModerationScopes.Review);
        group.MapPut("/", PlaceAsync);
        group.MapDelete("/", LiftAsync);
        return group;
    }

    public const int MaxReasonLength = 1024;

    /// <summary>Places the medium under legal hold; <c>reason</c> (e.g. a case reference) goes to the audit log.</summary>
    public static async Task<Results<Ok<LegalHoldView>, NotFound, ValidationProblem>> PlaceAsync(Guid id, [FromBody] LegalHoldRequest? body, ClaimsPrincipal user,
        LegalHoldService holds, CancellationToken cancellationToken) =>
        body?.Reason is { Length: > MaxReasonLength } ? TooLong()
        : await holds.SetAsync(id, true, AuditActor.From(user), body?.Reason, cancellationToken) ? TypedResults.Ok(new LegalHoldView(id, true)) : TypedResults.NotFound();

    /// <summary>Lifts the hold; erasure and retention apply again.</summary>
    public static async Task<Results<Ok<LegalHoldView>, NotFound, ValidationProblem>> LiftAsync(Guid id, [FromQuery] string? reason, ClaimsPrincipal user,
        LegalHoldService holds, CancellationToken cancellationToken) =>
        reason is { Length: > MaxReasonLength } ? TooLong()
        : await holds.SetAsync(id, false, AuditActor.From(user), reason, cancellationToken) ? TypedResults.Ok(new LegalHoldView(id, false)) : TypedResults.NotFound();

    private static ValidationProblem TooLong() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [$"At most {MaxReasonLength} characters."] });
}

public sealed record LegalHoldRequest(string? Reason);

public sealed record LegalHoldView(Guid MediaId, bool LegalHold);
