using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Auth;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Data;
using Moderation.Ingest.RateLimiting;

namespace Moderation.Ingest.Apis;

/// <summary>The upload hook: upload systems call it, HMAC-signed, when a file has been uploaded.</summary>
public static class HooksApi
{
    public static IEndpointRouteBuilder MapHooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/upload", UploadHookAsync)
            .RequireAuthorization(WebhookAuthenticationHandler.PolicyName)
            .RequireRateLimiting(SubmissionRateLimits.Policy)
            .WithTags("Hooks")
            .WithSummary("Upload hook (HMAC-signed)")
            .WithDescription($"Headers: {WebhookAuthenticationHandler.ClientHeader}, {WebhookAuthenticationHandler.TimestampHeader} (Unix seconds), " +
                $"{WebhookAuthenticationHandler.SignatureHeader}: sha256=<hex HMAC-SHA256 of \"{{timestamp}}.{{body}}\">. The file is fetched from its URL " +
                "through the same guards as /media:by-url. See docs/integration.md.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> UploadHookAsync(
        HttpContext http, UploadHook body, [AsParameters] IntakeServices services, ILogger<UploadHook> logger, CancellationToken cancellationToken)
    {
        logger.LogInformation("Upload hook delivery {DeliveryId} from {ClientId} for {ExternalId}", body.DeliveryId, http.User.ClientId(), body.ExternalId);
        var request = SubmissionValidation.Validate(http.User.ClientId(), SubmissionSource.Webhook,
            http.Request.Headers[SubmissionValidation.IdempotencyKeyHeader].ToString(), body.ExternalId, body.CallbackUrl,
            body.Priority?.ToString(), body.Policy, body.Url ?? "");
        return await MediaApi.SubmitFromUrlAsync(http, request, services, cancellationToken);
    }
}
