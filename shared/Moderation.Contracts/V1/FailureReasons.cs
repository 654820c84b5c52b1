namespace Moderation.Contracts.V1;

/// <summary>Stable, machine-readable reasons carried by <see cref="MediaFailed"/>. Documented in docs/messages.md.</summary>
public static class FailureReasons
{
    public const string BlobMissing = "blob-missing";
    public const string Unreadable = "unreadable";
    public const string Truncated = "truncated";
    public const string NoVisualStream = "no-visual-stream";
    public const string UnsupportedFormat = "unsupported-format";
    public const string TooLong = "too-long";
    public const string TooLarge = "too-large";
    public const string TooManyPixels = "too-many-pixels";
    public const string TooManyFrames = "too-many-frames";
    public const string TooManyStreams = "too-many-streams";
    public const string ForbiddenReference = "forbidden-reference";
    public const string ExtractionTimeout = "extraction-timeout";

    /// <summary>A decoder hit its memory or CPU-time limit (a decompression bomb, or limits set too low).</summary>
    public const string ResourceLimit = "resource-limit";
    public const string FrameUndecodable = "frame-undecodable";
    public const string FetchFailed = "fetch-failed";

    /// <summary>Extraction finished without producing a single frame, so there is nothing to judge.</summary>
    public const string NoFrames = "no-frames";
    public const string Internal = "internal-error";
}
