using System.ComponentModel.DataAnnotations;

namespace Moderation.FrameExtractor.Options;

/// <summary>Section <c>Extraction</c>: concurrency and time budgets of this replica.</summary>
public sealed class ExtractionOptions
{
    public const string Section = "Extraction";

    /// <summary>Videos and animations extracted at once by this replica (their queue's concurrency and prefetch).</summary>
    [Range(1, 256)]
    public int MaxConcurrentMedia { get; set; } = 2;

    /// <summary>
    /// Submissions taken at once from the submissions queue, where stills are answered and moving media handed on.
    /// A still costs about a millisecond of CPU and waits mostly on publish confirms.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentStills { get; set; } = 8;

    /// <summary>ffmpeg processes working on segments of one medium at once.</summary>
    [Range(1, 64)]
    public int SegmentParallelism { get; set; } = 2;

    /// <summary>
    /// Wall-clock budget of one medium, probe to last frame (<c>extraction-timeout</c>). Kept well under RabbitMQ's
    /// consumer_timeout (30 min by default), because the submission is acknowledged only after every frame is published.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:25:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Scratch space for per-medium work directories (ffmpeg's working directory; a copy of the medium when the blob
    /// store has no local path). Empty: <c>moderation-extractor</c> under the system temp directory.
    /// </summary>
    public string TempDirectory { get; set; } = "";

    /// <summary>
    /// Keep each sampled frame's model-sized JPEG in the blob store (<c>frames/…</c>) so reviewers see the frames that
    /// scored instead of scrubbing through the whole video.
    /// </summary>
    public bool StoreFrames { get; set; } = true;

    public string ScratchRoot => string.IsNullOrEmpty(TempDirectory) ? Path.Combine(Path.GetTempPath(), "moderation-extractor") : TempDirectory;
}
