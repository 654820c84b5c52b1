namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by ingest, which owns API clients): who holds the API key whose SHA-256 is <paramref name="KeyHash"/>.
/// Other services never see or store raw keys.
/// </summary>
public sealed record AuthenticateApiKey(string KeyHash);

/// <param name="KeyId">The key's visible prefix (e.g. <c>mod_3fa9c21b</c>): names the key in audit records without being usable.</param>
public sealed record ApiKeyIdentity(bool Valid, string? ClientId, IReadOnlyList<string> Scopes, string? KeyId = null);

public static class ApiScopes
{
    public const string Submit = "submit";
    public const string Read = "read";
    public const string Review = "review";
    public const string Admin = "admin";
}
