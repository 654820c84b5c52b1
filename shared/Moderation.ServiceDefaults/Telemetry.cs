using System.Diagnostics;

namespace Moderation.ServiceDefaults;

/// <summary>The one meter and activity source the moderation services record their own measurements on.</summary>
public static class Telemetry
{
    public const string MeterName = "Moderation";
    public const string ActivitySourceName = "Moderation";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>
    /// Bucket boundaries, in seconds, of every duration histogram the services record: fine enough from 10 ms to a
    /// minute that a p95 computed from them (PromQL <c>histogram_quantile</c>) is off by less than one step, where
    /// the SDK's default buckets put everything under 5 s into one bucket.
    /// </summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300];
}
