using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Moderation.Ingest.Intake;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Extensions;

/// <summary>Turns refusals thrown anywhere in a request into their problem, with <c>Retry-After</c> where retrying helps.</summary>
public sealed class IntakeExceptionHandler : IExceptionHandler
{
    private readonly ILogger<IntakeExceptionHandler> _logger;
    private readonly Counter<long> _refusals;

    public IntakeExceptionHandler(ILogger<IntakeExceptionHandler> logger, IMeterFactory meters)
    {
        _logger = logger;
        _refusals = meters.Create(Telemetry.MeterName).CreateCounter<long>("moderation.ingest.refusals", "{request}",
            "Requests ingest refused, by problem type (validation, SSRF guard, back-pressure, broker).");
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case IntakeException refusal:
                _refusals.Add(1, new KeyValuePair<string, object?>("type", refusal.Problem.Type));
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
