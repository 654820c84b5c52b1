using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Callbacks;

/// <summary>Section <c>Callbacks</c>: signing and where callbacks may go.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Callbacks";

    /// <summary>HMAC-SHA256 key for X-Moderation-Signature; receivers hold the same secret.</summary>
    [Required]
    [MinLength(16)]
    public string Secret { get; set; } = "";

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Permit callbacks to loopback addresses (127.0.0.0/8, ::1): single-node installs and tests.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Permit callbacks to private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): receivers inside the cluster network.</summary>
    public bool AllowPrivateNetworks { get; set; }

    [Required]
    public string UserAgent { get; set; } = "moderation-results/1";
}
