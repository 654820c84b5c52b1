using System.ComponentModel.DataAnnotations;
using Moderation.Contracts;
using Moderation.Contracts.V1;

namespace Moderation.Ingest.BackPressure;

/// <summary>
/// Section <c>BackPressure</c>: ingest refuses new work (503 + <c>Retry-After</c>) while the pipeline's input queues are
/// deeper than it could drain in reasonable time. Each lane has its own ceiling, so a backfill is refused first and an
/// urgent upload last.
/// </summary>
public sealed class BackPressureOptions : IValidatableObject
{
    public const string Section = "BackPressure";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Queues whose depth is watched: the frame extractor's and the classifier's input queues, named as their consumers
    /// name them (without <c>Messaging:QueuePrefix</c>, which is added).
    /// </summary>
    /// <remarks>Empty means <see cref="DefaultQueues"/>; an initialised array would be appended to, not replaced, by binding.</remarks>
    public string[] Queues { get; set; } = [];

    public static IReadOnlyList<string> DefaultQueues { get; } = [QueueNames.ExtractFrames, QueueNames.FrameClassification];

    public IReadOnlyList<string> WatchedQueues => Queues.Length > 0 ? Queues : DefaultQueues;

    [Range(1, long.MaxValue)]
    public long MaxDepth { get; set; } = 10_000;

    [Range(1, long.MaxValue)]
    public long BulkMaxDepth { get; set; } = 2_000;

    [Range(1, long.MaxValue)]
    public long UrgentMaxDepth { get; set; } = 50_000;

    /// <summary>
    /// Refuse work while a watched queue does not exist: a message published before its consumer declared the queue
    /// would be dropped by the broker. Off by default so a misnamed queue cannot stop all intake; turn it on once
    /// <see cref="Queues"/> is known to be right for the deployment.
    /// </summary>
    public bool RequireQueues { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    public long MaxDepthFor(SubmissionPriority priority) => priority switch
    {
        SubmissionPriority.Urgent => UrgentMaxDepth,
        SubmissionPriority.Bulk => BulkMaxDepth,
        _ => MaxDepth,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Queues.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("BackPressure:Queues must not contain empty names.");
        }
    }
}
