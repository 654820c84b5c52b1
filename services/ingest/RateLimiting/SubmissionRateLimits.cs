using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.RateLimiting;

/// <summary>
/// The ASP.NET Core rate limiter on the submission endpoints: one token bucket per authenticated client, so one client
/// over its limit is answered 429 (+ <c>Retry-After</c>) while every other client goes on unaffected.
/// </summary>
public static class SubmissionRateLimits
{
    public const string Policy = "submissions";

    public static IServiceCollection AddSubmissionRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<UrgentCeiling>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                // Authorization ran first, so every request that gets here has a client id.
                var clientId = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
                if (!options.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter(clientId);
                }

                var limit = options.For(clientId);
                return RateLimitPartition.GetTokenBucketLimiter(clientId, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limit.TokenLimit,
                    TokensPerPeriod = limit.TokensPerPeriod,
                    ReplenishmentPeriod = limit.ReplenishmentPeriod,
                    AutoReplenishment = true,
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var clientId = http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        var limit = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.For(clientId);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limit.ReplenishmentPeriod;
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.RequestServices.GetRequiredService<RefusalMetrics>().Refused(Problems.RateLimited);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SubmissionRateLimits))
            .LogInformation("Rate limit of client {ClientId} reached on {Method} {Path}; retry after {RetryAfterSeconds} s", clientId, http.Request.Method,
                http.Request.Path, seconds);
        await Problems.WriteAsync(http, Problems.Create(StatusCodes.Status429TooManyRequests, Problems.RateLimited, "Too many submissions",
            $"This client may submit {limit.TokensPerPeriod} media per {limit.ReplenishmentPeriod.TotalSeconds:0.###} s with bursts of {limit.TokenLimit}. " +
            $"Retry after {seconds} s.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }));
    }
}
