using System.ComponentModel.DataAnnotations;

namespace Moderation.Ingest.Auth;

/// <summary>
/// Section <c>Webhooks</c>: the shared secret of each upload system that calls <c>POST /hooks/upload</c>, e.g.
/// <c>Webhooks__Clients__wiki__Secret</c>. <see cref="WebhookClientOptions.PreviousSecret"/> keeps a rotated-out secret
/// valid until every sender has the new one.
/// </summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    public Dictionary<string, WebhookClientOptions> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How far a request's timestamp may be from the server clock, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The hook body is a small JSON document, never the media itself.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (clientId, client) in Clients)
        {
            if (!ClientIds.IsValid(clientId))
            {
                yield return new ValidationResult($"Webhook client id '{clientId}' must be 1–64 characters of a–z, 0–9, '-', '_' or '.'.");
            }

            if (client.Secret is not { Length: >= 32 } || client.PreviousSecret is { Length: < 32 })
            {
                yield return new ValidationResult($"Webhook secrets of '{clientId}' must be at least 32 characters.");
            }
        }
    }
}

public sealed class WebhookClientOptions
{
    public string Secret { get; set; } = "";

    public string? PreviousSecret { get; set; }
}
