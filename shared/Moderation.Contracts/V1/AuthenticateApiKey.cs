namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by ingest, which owns API clients): who holds the API key whose SHA-256 is <paramref name="KeyHash"/>.
/// Other services never see or store raw keys.
/// </summary>
public sealed record AuthenticateApiKey(string KeyHash);

/// <param name="Scopes">The scopes granted to the key, as granted (the model that gives them meaning is <c>Moderation.Auth.ModerationScopes</c>).</param>
/// <param name="KeyId">The key's visible prefix (e.g. <c>mod_3fa9c21b</c>): names the key in audit records without being usable.</param>
public sealed record ApiKeyIdentity(bool Valid, string? ClientId, IReadOnlyList<string> Scopes, string? KeyId = null);
