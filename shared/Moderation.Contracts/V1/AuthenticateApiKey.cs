namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by ingest, which owns API clients): who holds the API key whose SHA-256 is <paramref name="KeyHash"/>.
/// Other services never see or store raw keys.
/// </summary>
public sealed record AuthenticateApiKey(string KeyHash);

public sealed record ApiKeyIdentity(bool Valid, string? ClientId, IReadOnlyList<string> Scopes);

public static class ApiScopes
{
    public const string Submit = "submit";
    public const string Read = "read";
    public const string Review = "review";
    public const string Admin = "admin";
}
