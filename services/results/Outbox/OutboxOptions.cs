using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Outbox;

/// <summary>Section <c>Outbox</c>: how the dispatcher drains the outbox table.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Poll interval when no commit signalled new rows (other instances, retries coming due).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    [Range(1, 64)]
    public int Parallelism { get; set; } = 8;

    /// <summary>
    /// How long a claimed row stays with this instance. If the process dies mid-delivery the row is picked up again
    /// after this, so it must exceed the callback timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Callback attempts before giving up (about 1.5 days with the defaults). Bus publishes retry until the broker is back.</summary>
    [Range(1, 100)]
    public int MaxCallbackAttempts { get; set; } = 40;

    /// <summary>Delivered rows are deleted after this long; failed rows are kept for inspection.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan RetainDelivered { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Exponential back-off, capped, with jitter so retries of many rows do not arrive in step.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
