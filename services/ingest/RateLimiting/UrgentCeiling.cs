using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Ingest.Intake;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.RateLimiting;

/// <summary>
/// At most <see cref="ClientRateLimit.UrgentLimit"/> urgent submissions per client in a sliding
/// <see cref="ClientRateLimit.UrgentWindow"/>. Further urgent submissions are accepted in the normal lane rather than
/// refused: urgency decides the order of work, not whether a medium is moderated at all, and a refused upload might
/// never be retried. The answer's <c>priority</c> says which lane the medium went to.
/// </summary>
public sealed class UrgentCeiling : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ILogger<UrgentCeiling> _logger;
    private readonly Counter<long> _downgraded;

    public UrgentCeiling(IOptions<RateLimitOptions> options, IMeterFactory meters, ILogger<UrgentCeiling> logger)
    {
        _options = options.Value;
        _logger = logger;
        _downgraded = meters.Create(Telemetry.MeterName).CreateCounter<long>("moderation.ingest.urgent_downgrades", "{submission}",
            "Urgent submissions accepted in the normal lane because their client was over its urgent ceiling.");
        _limiter = PartitionedRateLimiter.Create<string, string>(clientId =>
        {
            var limit = _options.For(clientId);
            // A ceiling of 0 never asks the limiter (see Apply); a limiter needs at least one permit.
            return RateLimitPartition.GetSlidingWindowLimiter(clientId, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, limit.UrgentLimit),
                Window = limit.UrgentWindow,
                SegmentsPerWindow = 6,
                AutoReplenishment = true,
                QueueLimit = 0,
            });
        });
    }

    /// <summary>The request as it is to be submitted: urgent ones over the client's ceiling become normal.</summary>
    public SubmissionRequest Apply(SubmissionRequest request)
    {
        if (!_options.Enabled || request.Priority != SubmissionPriority.Urgent)
        {
            return request;
        }

        if (_options.For(request.ClientId).UrgentLimit > 0)
        {
            using var lease = _limiter.AttemptAcquire(request.ClientId);
            if (lease.IsAcquired)
            {
                return request;
            }
        }

        _downgraded.Add(1);
        _logger.LogInformation("Client {ClientId} is over its urgent ceiling; submission {ExternalId} goes in as normal", request.ClientId, request.ExternalId);
        return request with { Priority = SubmissionPriority.Normal };
    }

    public void Dispose() => _limiter.Dispose();
}
