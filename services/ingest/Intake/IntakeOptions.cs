using System.ComponentModel.DataAnnotations;
using Moderation.Contracts.V1;

namespace Moderation.Ingest.Intake;

/// <summary>Section <c>Intake</c>: size limits per kind of medium and the timing of accepting work.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    [Range(1, long.MaxValue)]
    public long MaxStillBytes { get; set; } = 50L * 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxAnimationBytes { get; set; } = 200L * 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxVideoBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How long to wait for the broker to confirm <c>MediaSubmitted</c> before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A submission recorded but never confirmed (the process died between recording and publishing) stops blocking
    /// retries of the same idempotency key or external id after this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AbandonedPendingAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A staged upload (complete, under <c>incoming/</c>) is promoted or discarded within seconds; one untouched for this
    /// long belongs to a request whose process died in between, and the staging sweeper deletes it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan StagedUploadMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A write that never completed (a partial file, an unfinished multipart upload) untouched for this long is removed.
    /// Longer than the slowest legitimate upload: multipart uploads are dated from their start.
    /// </summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan AbandonedWriteMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the staging sweeper runs (and once at start).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan StagingSweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    public long MaxBytes(MediaKind kind) => kind switch
    {
        MediaKind.Still => MaxStillBytes,
        MediaKind.Animation => MaxAnimationBytes,
        _ => MaxVideoBytes,
    };

    /// <summary>The largest upload any format may have: the request body limit of the upload endpoint.</summary>
    public long LargestAllowed => Math.Max(MaxStillBytes, Math.Max(MaxAnimationBytes, MaxVideoBytes));
}

/// <summary>Section <c>Deduplication</c>: when identical content may be answered with an existing verdict.</summary>
public sealed class DeduplicationOptions
{
    public const string Section = "Deduplication";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Reuse only verdicts reached by this model version (the <c>version</c> in the classifier's model.json). Empty: a
    /// verdict of any model version is reused, which is only right while a single model version has ever run.
    /// </summary>
    public string? ModelVersion { get; set; }

    /// <summary>How long to wait for results to answer; on time-out the medium is classified again rather than refused.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Section <c>Results</c>: how ingest asks the results service about media.</summary>
public sealed class ResultsClientOptions
{
    public const string Section = "Results";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Section <c>Ingest</c>: how the service is seen from outside.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>The externally visible base URL (e.g. behind a proxy); status URLs are absolute when set, relative otherwise.</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    public string StatusUrl(Guid mediaId) => $"{PublicBaseUrl?.TrimEnd('/')}/media/{mediaId}";
}
