using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace Moderation.Results.Review;

/// <summary>Section <c>Review</c>.</summary>
public sealed class ReviewOptions
{
    public const string Section = "Review";

    /// <summary>How long a claimed task stays with its reviewer before anyone else may claim it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Share of allow/block verdicts also sent to review. Without it reviewers only ever see the grey zone, and the
    /// evaluation cannot measure false positives among blocks or misses among allows.
    /// </summary>
    [Range(0.0, 1.0)]
    public double AuditSampleRate { get; set; } = 0.01;

    /// <summary>How long after a decision its reviewer may take it back (<c>POST /reviews/{taskId}/undo</c>); zero turns undo off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan UndoWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Per submission priority, how long a task may wait before it is overdue (the service-level target). Within a
    /// priority, overdue tasks come first, oldest first; the rest by score.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan UrgentTarget { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan NormalTarget { get; set; } = TimeSpan.FromHours(4);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan BulkTarget { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The enforced break: after this long a stretch of review work (reveals and decisions without a pause of
    /// <see cref="BreakLength"/>), results refuses the reviewer's claims, reveals and decisions until they have paused for
    /// <see cref="BreakLength"/>. Zero (the default) enforces no break.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BreakAfterExposure { get; set; } = TimeSpan.Zero;

    /// <summary>How long a pause counts as a break.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BreakLength { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most tasks one claim may take (the dashboard's grid of stills).</summary>
    [Range(1, 100)]
    public int MaxBatch { get; set; } = 48;
}

/// <summary>Which queue a reviewer works: one policy, one kind of medium, one reason; null means any.</summary>
public sealed record ReviewQueueFilter(string? Policy = null, string? Kind = null, string? Reason = null)
{
    public static readonly ReviewQueueFilter Any = new();
}

/// <summary>Deterministic sampling by media id: a redelivered message never changes whether a medium is audited.</summary>
public static class AuditSample
{
    public static bool Selected(Guid mediaId, double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        if (rate >= 1)
        {
            return true;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(mediaId.ToByteArray(), hash);
        var bucket = BitConverter.ToUInt64(hash) / (double)ulong.MaxValue;
        return bucket < rate;
    }
}
