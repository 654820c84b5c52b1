using MassTransit;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Contracts.V1;

namespace Moderation.Results.Auth;

/// <summary>
/// Results' key store: the configured <see cref="AuthOptions.StaticKeys"/>, then ingest (which owns API clients),
/// asked with <see cref="AuthenticateApiKey"/> over RabbitMQ. Only the key's hash leaves this process; answers are
/// cached briefly, and ingest not answering in time is <see cref="ApiKeyLookup.NoAnswer"/> (503), not an unknown key.
/// </summary>
public sealed class IngestApiKeyStore(IOptionsMonitor<AuthOptions> options, IMemoryCache cache, IServiceProvider services, ILogger<IngestApiKeyStore> logger)
    : IApiKeyStore
{
    /// <summary>How audit records name a configured key: the start of its hash, which identifies it without revealing it.</summary>
    public static string StaticKeyId(string hash) => "static:" + hash[..12];

    public async Task<ApiKeyLookup> FindAsync(string keyHash, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        foreach (var entry in settings.StaticKeys)
        {
            if (ApiKeyHash.Equal(entry.KeyHash ?? ApiKeyHash.Of(entry.Key!), keyHash))
            {
                return ApiKeyLookup.Found(new ApiKeyIdentity(true, entry.ClientId, entry.Scopes, StaticKeyId(keyHash)));
            }
        }

        if (!settings.UseIngest)
        {
            return ApiKeyLookup.Unknown;
        }

        var cacheKey = "api-key:" + keyHash;
        if (cache.TryGetValue(cacheKey, out ApiKeyIdentity? cached))
        {
            return new ApiKeyLookup(cached, false);
        }

        try
        {
            var client = services.GetRequiredService<IBus>().CreateRequestClient<AuthenticateApiKey>(RequestTimeout.After(ms: (int)settings.RequestTimeout.TotalMilliseconds));
            var identity = (await client.GetResponse<ApiKeyIdentity>(new AuthenticateApiKey(keyHash), cancellationToken)).Message;
            cache.Set(cacheKey, identity, identity.Valid ? settings.CacheDuration : settings.NegativeCacheDuration);
            return new ApiKeyLookup(identity, false);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Ingest did not answer an API key check within {Timeout}", settings.RequestTimeout);
            return ApiKeyLookup.NoAnswer;
        }
        catch (RequestFaultException e)
        {
            logger.LogWarning(e, "Ingest faulted on an API key check");
            return ApiKeyLookup.NoAnswer;
        }
    }
}
