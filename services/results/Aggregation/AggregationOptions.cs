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

    /// <summary>
    /// Batches handled at once per pipeline message type (<c>MediaSubmitted</c>, <c>FramesPlanned</c>,
    /// <c>FrameClassified</c>, <c>FrameExtractionCompleted</c>).
    /// </summary>
    [Range(1, 256)]
    public int BatchConcurrency { get; set; } = 4;

    /// <summary>Messages (of any media) folded in one transaction at most.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>How long a partial batch waits for more messages; the latency a lone message pays.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long a partial batch of <c>MatchFrameHash</c> questions waits for more. The asker (the classifier holding a
    /// batch of stills, the extractor a video frame) waits on the answer, so this is shorter than
    /// <see cref="BatchTimeLimit"/>; the classifier asks about a whole batch of stills at once, which fills a batch anyway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan MatchBatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(2);
}
