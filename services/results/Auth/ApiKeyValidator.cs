using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;

namespace Moderation.Results.Auth;

/// <summary>Outcome of a key check; <see cref="Unavailable"/> means nobody could say (ingest did not answer).</summary>
public sealed record ApiKeyCheck(ApiKeyIdentity? Identity, bool Unavailable)
{
    public bool Valid => Identity is { Valid: true };
}

/// <summary>
/// Checks API keys against the static list, then asks ingest (which owns API clients) with
/// <see cref="AuthenticateApiKey"/>. Only the key's SHA-256 leaves this process; answers are cached briefly.
/// </summary>
public sealed class ApiKeyValidator(IOptionsMonitor<AuthOptions> options, IMemoryCache cache, IServiceProvider services, ILogger<ApiKeyValidator> logger)
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>How audit records name a configured key: the start of its hash, which identifies it without revealing it.</summary>
    public static string StaticKeyId(string hash) => "static:" + hash[..12];

    public async Task<ApiKeyCheck> CheckAsync(string key, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var hash = Hash(key);
        foreach (var entry in settings.StaticKeys)
        {
            var entryHash = entry.KeyHash?.ToLowerInvariant() ?? Hash(entry.Key!);
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entryHash), Encoding.ASCII.GetBytes(hash)))
            {
                return new ApiKeyCheck(new ApiKeyIdentity(true, entry.ClientId, entry.Scopes, StaticKeyId(hash)), false);
            }
        }

        if (!settings.UseIngest)
        {
            return new ApiKeyCheck(null, false);
        }

        var cacheKey = "api-key:" + hash;
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached))
        {
            return new ApiKeyCheck(cached, false);
        }

        try
        {
            var client = services.GetRequiredService<IBus>().CreateRequestClient<AuthenticateApiKey>(RequestTimeout.After(ms: (int)settings.RequestTimeout.TotalMilliseconds));
            var response = await client.GetResponse<ApiKeyIdentity>(new AuthenticateApiKey(hash), cancellationToken);
            var identity = response.Message;
            cache.Set(cacheKey, identity, identity.Valid ? settings.CacheDuration : settings.NegativeCacheDuration);
            return new ApiKeyCheck(identity, false);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Ingest did not answer an API key check within {Timeout}", settings.RequestTimeout);
            return new ApiKeyCheck(null, true);
        }
        catch (RequestFaultException e)
        {
            logger.LogWarning(e, "Ingest faulted on an API key check");
            return new ApiKeyCheck(null, true);
        }
    }
}
