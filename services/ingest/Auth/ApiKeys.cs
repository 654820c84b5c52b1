using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.Auth;

/// <summary>A key as shown once to its owner, and the record stored for it.</summary>
public sealed record CreatedApiKey(string Key, ApiClient Client);

/// <summary>
/// Creates, finds and revokes API keys: the key store of the whole cluster (other services ask it over RabbitMQ). A key
/// looks like <c>mod_3fa9c21b_&lt;43 random characters&gt;</c>: 256 bits of randomness, stored only as its
/// <see cref="ApiKeyHash"/>; the <c>mod_3fa9c21b</c> prefix is stored in clear to tell keys apart.
/// </summary>
public sealed class ApiKeys(IngestDbContext db, TimeProvider clock) : IApiKeyStore
{
    private const string KeyPrefix = "mod_";

    public async Task<CreatedApiKey> CreateAsync(string clientId, IEnumerable<string> scopes, string? description, CancellationToken cancellationToken)
    {
        var scopeList = scopes.Select(s => s.Trim().ToLowerInvariant()).Where(s => s.Length > 0).Distinct().Order().ToArray();
        var unknown = scopeList.Where(s => !ModerationScopes.IsKnown(s)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown scope(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", ModerationScopes.All)}.", nameof(scopes));
        }

        if (scopeList.Length == 0)
        {
            throw new ArgumentException("At least one scope is required.", nameof(scopes));
        }

        if (!ClientIds.IsValid(clientId))
        {
            throw new ArgumentException($"Client id '{clientId}' must be 1–64 characters of a–z, 0–9, '-', '_' or '.'.", nameof(clientId));
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var key = $"{KeyPrefix}{id}_{secret}";
        var client = new ApiClient
        {
            Id = Guid.CreateVersion7(),
            ClientId = clientId,
            KeyPrefix = $"{KeyPrefix}{id}",
            KeyHash = ApiKeyHash.Of(key),
            Scopes = scopeList,
            Description = description,
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, client);
    }

    /// <summary>The active (not revoked) key with this hash, or null.</summary>
    public Task<ApiClient?> FindActiveAsync(string keyHash, CancellationToken cancellationToken)
    {
        var hash = keyHash.ToLowerInvariant();
        return db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.KeyHash == hash && c.RevokedAt == null, cancellationToken);
    }

    public async Task<ApiKeyLookup> FindAsync(string keyHash, CancellationToken cancellationToken) =>
        await FindActiveAsync(keyHash, cancellationToken) is { } client
            ? ApiKeyLookup.Found(new ApiKeyIdentity(true, client.ClientId, client.Scopes, client.KeyPrefix))
            : ApiKeyLookup.Unknown;

    public Task<List<ApiClient>> ListAsync(CancellationToken cancellationToken) =>
        db.ApiClients.AsNoTracking().OrderBy(c => c.ClientId).ThenBy(c => c.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>Revokes the key with this id or visible prefix; false when there is no such active key.</summary>
    public async Task<bool> RevokeAsync(string idOrPrefix, CancellationToken cancellationToken)
    {
        var client = Guid.TryParse(idOrPrefix, out var id)
            ? await db.ApiClients.FirstOrDefaultAsync(c => c.Id == id && c.RevokedAt == null, cancellationToken)
            : await db.ApiClients.FirstOrDefaultAsync(c => c.KeyPrefix == idOrPrefix && c.RevokedAt == null, cancellationToken);
        if (client is null)
        {
            return false;
        }

        client.RevokedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}

public static class ClientIds
{
    public static bool IsValid(string? clientId) =>
        clientId is { Length: > 0 and <= 64 } && clientId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}
