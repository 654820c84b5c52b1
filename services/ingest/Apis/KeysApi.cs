using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.Apis;

/// <summary>Administration of API keys (admin scope). The same operations exist as command-line commands.</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/admin/keys").WithTags("Administration").RequireAuthorization(ModerationScopes.Admin);
        api.MapPost("", CreateAsync).WithSummary("Create an API key (shown once)").ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("", ListAsync).WithSummary("List API keys (never the keys themselves)");
        api.MapDelete("/{idOrPrefix}", RevokeAsync).WithSummary("Revoke an API key by id or prefix").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Created<CreatedApiKeyResponse>, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest body, ApiKeys keys, CancellationToken cancellationToken)
    {
        try
        {
            var created = await keys.CreateAsync(body.ClientId ?? "", body.Scopes ?? [], body.Description, cancellationToken);
            var c = created.Client;
            return TypedResults.Created($"/admin/keys/{c.Id}", new CreatedApiKeyResponse(c.Id, c.ClientId, c.KeyPrefix, c.Scopes, created.Key));
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Invalid API key request", e.Message));
        }
    }

    public static async Task<Ok<List<ApiKeyResponse>>> ListAsync(ApiKeys keys, CancellationToken cancellationToken) =>
        TypedResults.Ok((await keys.ListAsync(cancellationToken))
            .Select(c => new ApiKeyResponse(c.Id, c.ClientId, c.KeyPrefix, c.Scopes, c.Description, c.CreatedAt, c.RevokedAt)).ToList());

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string idOrPrefix, ApiKeys keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(idOrPrefix, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "API key not found", $"No active key '{idOrPrefix}'."));
}
