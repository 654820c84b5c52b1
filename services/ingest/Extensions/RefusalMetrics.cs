using System.Diagnostics.Metrics;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Extensions;

/// <summary><c>moderation.ingest.refusals</c>: every refusal counted once, whether an exception handler or the rate limiter answered it.</summary>
public sealed class RefusalMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _refusals = meters.Create(Telemetry.MeterName).CreateCounter<long>("moderation.ingest.refusals", "{request}",
        "Requests ingest refused, by problem type (validation, SSRF guard, back-pressure, rate limit, broker).");

    public void Refused(string problemType) => _refusals.Add(1, new KeyValuePair<string, object?>("type", problemType));
}
