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
