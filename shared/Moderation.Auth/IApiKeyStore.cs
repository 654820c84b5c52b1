using Moderation.Contracts.V1;

namespace Moderation.Auth;

/// <summary>
/// Where a service looks API keys up, by hash only: ingest's own table of API clients; other services ask ingest over
/// RabbitMQ (<see cref="AuthenticateApiKey"/>) after their configured keys.
/// </summary>
public interface IApiKeyStore
{
    Task<ApiKeyLookup> FindAsync(string keyHash, CancellationToken cancellationToken);
}

/// <summary>The answer of a key store: who holds the key, nobody (<see cref="Identity"/> null), or nobody could say.</summary>
public sealed record ApiKeyLookup(ApiKeyIdentity? Identity, bool Unavailable)
{
    public static ApiKeyLookup Unknown { get; } = new(null, false);

    /// <summary>The store did not answer (ingest down, timed out): the key may well be valid.</summary>
    public static ApiKeyLookup NoAnswer { get; } = new(null, true);

    public bool Valid => Identity is { Valid: true, ClientId.Length: > 0 };

    public static ApiKeyLookup Found(ApiKeyIdentity identity) => new(identity, false);
}
