using System.ComponentModel.DataAnnotations;

namespace Moderation.Auth;

/// <summary>
/// Section <c>Auth:Oidc</c>: accept bearer tokens (JWTs) of an OpenID Connect provider beside API keys. Off while
/// <see cref="Authority"/> is empty. The token's <see cref="ClientIdClaim"/> becomes the client id (tenancy, rate
/// limits, audit) and its <see cref="ScopeClaim"/> values, space-separated, the granted scopes of the same model as
/// API keys (<see cref="ModerationScopes"/>); values outside the model are ignored.
/// </summary>
public sealed class OidcOptions : IValidatableObject
{
    public const string Section = "Auth:Oidc";

    /// <summary>The issuer, e.g. <c>https://login.example/realms/moderation</c>; its discovery document names the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for (this cluster's API).</summary>
    public string? Audience { get; set; }

    /// <summary>Metadata over plain HTTP only for a provider on loopback in development.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    [Required]
    public string ClientIdClaim { get; set; } = "client_id";

    [Required]
    public string ScopeClaim { get; set; } = "scope";

    /// <summary>Prefix of the provider's scope names for this cluster (e.g. <c>moderation.</c> for <c>moderation.read</c>); empty for bare names.</summary>
    public string ScopePrefix { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Auth:Oidc:Authority must be an absolute http(s) URL.", [nameof(Authority)]);
        }
        else if (authority.Scheme == "http" && RequireHttpsMetadata)
        {
            yield return new ValidationResult("Auth:Oidc:Authority must use https unless Auth:Oidc:RequireHttpsMetadata is false.", [nameof(Authority)]);
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("Auth:Oidc:Audience is required with an Authority: tokens for other audiences must not pass.", [nameof(Audience)]);
        }
    }
}
