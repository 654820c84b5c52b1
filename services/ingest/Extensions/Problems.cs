using Microsoft.AspNetCore.Mvc;

namespace Moderation.Ingest.Extensions;

/// <summary>
/// Every error ingest answers is an RFC 9457 (7807) problem with a stable <c>type</c> per reason, listed in
/// docs/integration.md, so clients branch on the type rather than on prose.
/// </summary>
public static class Problems
{
    private const string Prefix = "urn:moderation:problem:";

    public const string MissingSignature = Prefix + "missing-signature";
    public const string InvalidSignature = Prefix + "invalid-signature";
    public const string ExpiredSignature = Prefix + "expired-signature";
    public const string ReplayedWebhook = Prefix + "replayed-webhook";
    public const string UnknownWebhookClient = Prefix + "unknown-webhook-client";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string EmptyMedia = Prefix + "empty-media";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string MediaTooLarge = Prefix + "media-too-large";
    public const string InvalidRequest = Prefix + "invalid-request";
    public const string ForbiddenUrl = Prefix + "forbidden-url";
    public const string UrlFetchFailed = Prefix + "url-fetch-failed";
    public const string IdempotencyConflict = Prefix + "idempotency-conflict";
    public const string Overloaded = Prefix + "overloaded";
    public const string RateLimited = Prefix + "rate-limited";
    public const string BrokerUnavailable = Prefix + "broker-unavailable";
    public const string PipelineUnavailable = Prefix + "pipeline-unavailable";
    public const string ResultsUnavailable = Prefix + "results-unavailable";
    public const string NotFound = Prefix + "not-found";
    public const string LegalHold = Prefix + "legal-hold";

    public static ProblemDetails Create(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }

    /// <summary>Writes a problem outside an endpoint (authentication handlers, middleware).</summary>
    public static async Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
