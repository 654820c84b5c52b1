using System.ComponentModel.DataAnnotations;

namespace Moderation.Ingest.Fetching;

/// <summary>Section <c>UrlFetch</c>: the caps on fetching a medium from a URL given by a client.</summary>
public sealed class UrlFetchOptions
{
    public const string Section = "UrlFetch";

    /// <summary>Permit 127.0.0.0/8 and ::1. Only for tests that serve media from a loopback server; never in production.</summary>
    public bool AllowLoopback { get; set; }

    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;

    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The whole fetch, redirects and body included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "02:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    [Required]
    public string UserAgent { get; set; } = "moderation-ingest/1";
}
