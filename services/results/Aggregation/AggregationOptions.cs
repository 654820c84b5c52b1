using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Aggregation;

/// <summary>Section <c>Aggregation</c>.</summary>
public sealed class AggregationOptions
{
    public const string Section = "Aggregation";

    /// <summary>
    /// A medium that has not concluded and has seen no message for this long fails with <c>extraction-timeout</c>,
    /// so every medium ends in a verdict or a failure even when an upstream stage lost it. Zero disables the sweep.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromHours(1);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StallSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Frame messages handled at once; different frames of one medium serialise on its row lock.</summary>
    [Range(1, 256)]
    public int FrameConcurrency { get; set; } = 16;
}
