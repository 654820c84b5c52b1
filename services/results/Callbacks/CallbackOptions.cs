using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Callbacks;

/// <summary>
/// Section <c>Callbacks</c>: signing and where callbacks may go. Each client may have its own secret
/// (<c>Callbacks:Clients:&lt;clientId&gt;:Secret</c>); clients without one, and media without a client, are signed with
/// <see cref="Secret"/>. During a rotation <c>PreviousSecret</c> signs too, so a receiver holding either secret verifies.
/// </summary>
public sealed class CallbackOptions : IValidatableObject
{
    public const string Section = "Callbacks";

    /// <summary>HMAC-SHA256 key for X-Moderation-Signature; receivers hold the same secret.</summary>
    [Required]
    [MinLength(16)]
    public string Secret { get; set; } = "";

    /// <summary>The global secret being rotated out: its signature is sent as well until this is removed (empty: none).</summary>
    public string? PreviousSecret { get; set; }

    public Dictionary<string, CallbackClientOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Permit callbacks to loopback addresses (127.0.0.0/8, ::1): single-node installs and tests.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Permit callbacks to private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): receivers inside the cluster network.</summary>
    public bool AllowPrivateNetworks { get; set; }

    [Required]
    public string UserAgent { get; set; } = "moderation-results/1";

    /// <summary>The secrets that sign callbacks of <paramref name="clientId"/>'s media: the current one, and the previous one during a rotation.</summary>
    public (string Current, string? Previous) SecretsFor(string? clientId) =>
        clientId is not null && Clients.TryGetValue(clientId, out var own)
            ? (own.Secret, NullIfEmpty(own.PreviousSecret))
            : (Secret, NullIfEmpty(PreviousSecret));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PreviousSecret is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("Callbacks:PreviousSecret must be at least 16 characters.");
        }

        foreach (var (clientId, client) in Clients)
        {
            if (client.Secret is not { Length: >= 16 } || client.PreviousSecret is { Length: > 0 and < 16 })
            {
                yield return new ValidationResult($"Callbacks:Clients:{clientId}: secrets must be at least 16 characters.");
            }
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

public sealed class CallbackClientOptions
{
    public string Secret { get; set; } = "";

    public string? PreviousSecret { get; set; }
}
