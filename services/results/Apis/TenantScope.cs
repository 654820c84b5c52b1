using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Results.Audit;

namespace Moderation.Results.Apis;

/// <summary>
/// Which client's data an aggregate answer (statistics, evaluation) covers. A <c>read</c> key: its own client's, always;
/// naming another client is refused. A <c>review</c> or <c>admin</c> key (the cross-tenant scopes): the client it names
/// with <c>clientId</c>, or every client when it names none — audited whenever that covers another client's data.
/// </summary>
public static class TenantScope
{
    /// <summary>The client filter (null: every client), or the refusal to answer.</summary>
    public static async Task<(string? ClientId, ProblemHttpResult? Refusal)> ResolveAsync(
        ClaimsPrincipal user, string? requested, AuditLog audit, string what, CancellationToken cancellationToken)
    {
        requested = string.IsNullOrWhiteSpace(requested) ? null : requested;
        if (user.MediaOwnerFilter() is { } own)
        {
            return requested is null || requested == own
                ? (own, null)
                : (null, TypedResults.Problem($"This key sees only the data of its own client ({own}).", statusCode: StatusCodes.Status403Forbidden,
                    title: "Another client's data", type: "urn:moderation:problem:other-client"));
        }

        var actor = AuditActor.From(user);
        if (requested != actor.ClientId)
        {
            await audit.WriteAsync(actor, AuditActions.CrossTenantAggregate, null, new { what, client = requested ?? "*" }, cancellationToken);
        }

        return (requested, null);
    }
}
