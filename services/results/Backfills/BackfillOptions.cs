using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Backfills;

/// <summary>Section <c>Backfill</c>: how results feeds a backfill's media to the classifiers' bulk lane.</summary>
public sealed class BackfillOptions
{
    public const string Section = "Backfill";

    /// <summary>
    /// Media of one backfill dispatched and not yet re-scored, at most. Keeps the bulk queue short, so a cancel takes
    /// effect within this many media and a restart re-sends little.
    /// </summary>
    [Range(1, 10_000)]
    public int Window { get; set; } = 32;

    /// <summary>How often running backfills are topped up.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A medium dispatched this long ago without all its scores back is sent again (its frames ended in an error queue, say).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromMinutes(15);
}
