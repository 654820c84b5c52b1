using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Extensions;

/// <summary>Turns refusals thrown anywhere in a request into their problem, with <c>Retry-After</c> where retrying helps.</summary>
public sealed class IntakeExceptionHandler : IExceptionHandler
{
    private readonly ILogger<IntakeExceptionHandler> _logger;
    private readonly RefusalMetrics _refusals;

    public IntakeExceptionHandler(ILogger<IntakeExceptionHandler> logger, RefusalMetrics refusals)
    {
        _logger = logger;
        _refusals = refusals;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case IntakeException refusal:
                _refusals.Refused(refusal.Problem.Type ?? "unknown");
                _logger.LogInformation("Refused {Method} {Path}: {ProblemType} {Detail}", httpContext.Request.Method, httpContext.Request.Path,
                    refusal.Problem.Type, refusal.Problem.Detail);
                if (refusal.RetryAfter is { } retryAfter)
                {
                    httpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                }

                await Problems.WriteAsync(httpContext, refusal.Problem);
                return true;
            case BadHttpRequestException bad:
                var status = bad.StatusCode;
                await Problems.WriteAsync(httpContext, Problems.Create(status,
                    status == StatusCodes.Status413PayloadTooLarge ? Problems.MediaTooLarge : Problems.InvalidRequest,
                    status == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", bad.Message));
                return true;
            default:
                return false;
        }
    }
}
