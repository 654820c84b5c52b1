using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Privacy;

namespace Moderation.Ingest.Apis;

/// <summary>Erasure of a medium: the client-facing half of docs/security.md, "Erasure and retention".</summary>
public static class ErasureApi
{
    public const int MaxReasonLength = 1024;

    public static IEndpointRouteBuilder MapErasureApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/media/{id:guid}", EraseAsync)
            .WithTags("Media")
            .RequireAuthorization(ModerationScopes.Submit)
            .WithSummary("Erase a medium")
            .WithDescription("Removes the medium from every store: its original (the bytes only when no other medium has the same content), frames, " +
                "scores, embeddings, verdict, reviews and pending callbacks. Leaves a tombstone (id, client, sha256, who, when, why), which this " +
                "answer and every repetition return. The submitting client's key (submit scope) or an administrator's may erase; 409 under legal hold.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<ErasureResponse>, ProblemHttpResult>> EraseAsync(
        Guid id, [FromQuery] string? reason, ClaimsPrincipal user, MediumEraser eraser, CancellationToken cancellationToken)
    {
        if (reason is { Length: > MaxReasonLength })
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Invalid erasure",
                $"The reason may be at most {MaxReasonLength} characters.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["reason"] = [$"At most {MaxReasonLength} characters."] } }));
        }

        MediumErasure erasure;
        try
        {
            erasure = await eraser.EraseAsync(id, user.ClientId(), user.HasScope(ModerationScopes.Admin), string.IsNullOrWhiteSpace(reason) ? null : reason, cancellationToken);
        }
        catch (MassTransit.RequestTimeoutException)
        {
            throw new IntakeException(
                Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.ResultsUnavailable, "Results unavailable",
                    "The results service did not answer in time; nothing was erased here. Retry later: erasure is idempotent."),
                FailureReasons.Internal, TimeSpan.FromSeconds(5));
        }

        return erasure.Outcome switch
        {
            ErasureOutcomes.Erased or ErasureOutcomes.AlreadyErased => TypedResults.Ok(new ErasureResponse(
                id, erasure.ClientId, erasure.Sha256, erasure.ErasedBy, erasure.ErasedAt, erasure.Reason)),
            ErasureOutcomes.LegalHold => TypedResults.Problem(Problems.Create(StatusCodes.Status409Conflict, Problems.LegalHold, "Under legal hold",
                $"Medium {id} is under legal hold and cannot be erased until an administrator lifts the hold.")),
            _ => TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Medium not found",
                $"No medium {id} visible to this API key.")),
        };
    }
}

/// <summary>The tombstone of an erased medium: all that is kept of it.</summary>
public sealed record ErasureResponse(
    Guid MediaId,
    [property: System.ComponentModel.Description("The client whose medium it was.")] string? ClientId,
    [property: System.ComponentModel.Description("SHA-256 of the erased content.")] string? Sha256,
    [property: System.ComponentModel.Description("The client of the key that erased it.")] string? ErasedBy,
    DateTimeOffset? ErasedAt,
    string? Reason);
