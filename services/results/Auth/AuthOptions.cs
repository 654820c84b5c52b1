using System.ComponentModel.DataAnnotations;
using Moderation.Auth;

namespace Moderation.Results.Auth;

/// <summary>Section <c>Auth</c>: where results finds API keys (<see cref="IngestApiKeyStore"/>).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>Keys accepted without asking ingest: single-node installs and tests.</summary>
    public List<StaticApiKey> StaticKeys { get; set; } = [];

    /// <summary>Ask ingest (owner of API clients) over RabbitMQ about keys not in <see cref="StaticKeys"/>.</summary>
    public bool UseIngest { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unknown keys are remembered for less time, so a key created a moment ago starts working quickly.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var key in StaticKeys)
        {
            if (string.IsNullOrEmpty(key.Key) == string.IsNullOrEmpty(key.KeyHash))
            {
                yield return new ValidationResult("Each Auth:StaticKeys entry needs exactly one of Key or KeyHash.");
            }

            if (!string.IsNullOrEmpty(key.Key) && !ApiKeyHash.IsWellFormedKey(key.Key))
            {
                yield return new ValidationResult($"Auth:StaticKeys keys must be {ApiKeyHash.MinKeyLength}–{ApiKeyHash.MaxKeyLength} printable characters without spaces.");
            }

            if (!string.IsNullOrEmpty(key.KeyHash) && !ApiKeyHash.IsHash(key.KeyHash))
            {
                yield return new ValidationResult("Auth:StaticKeys KeyHash values must be the hex SHA-256 of the key (64 digits).");
            }

            if (key.Scopes.FirstOrDefault(s => !ModerationScopes.IsKnown(s)) is { } unknown)
            {
                yield return new ValidationResult($"Auth:StaticKeys scope '{unknown}' is unknown; known: {string.Join(", ", ModerationScopes.All)}.");
            }

            if (string.IsNullOrWhiteSpace(key.ClientId))
            {
                yield return new ValidationResult("Each Auth:StaticKeys entry needs a ClientId.");
            }
        }
    }
}

/// <summary>A key given in configuration, either raw (<see cref="Key"/>) or as its lowercase hex SHA-256 (<see cref="KeyHash"/>).</summary>
public sealed class StaticApiKey
{
    public string? Key { get; set; }

    public string? KeyHash { get; set; }

    public string ClientId { get; set; } = "";

    public List<string> Scopes { get; set; } = [];
}
