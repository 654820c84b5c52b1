using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Ingest.Auth;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Consumers;

/// <summary>
/// Answers other services (results, for its own API callers) who holds an API key, given only the key's SHA-256:
/// ingest owns the API clients, and raw keys never travel.
/// </summary>
public sealed class AuthenticateApiKeyConsumer(ApiKeys keys) : IConsumer<AuthenticateApiKey>
{
    private static readonly ApiKeyIdentity Invalid = new(false, null, []);

    public async Task Consume(ConsumeContext<AuthenticateApiKey> context)
    {
        var hash = context.Message.KeyHash;
        var lookup = ApiKeyHash.IsHash(hash) ? await keys.FindAsync(hash, context.CancellationToken) : ApiKeyLookup.Unknown;
        await context.RespondAsync(lookup.Identity ?? Invalid);
    }
}

public sealed class AuthenticateApiKeyConsumerDefinition : QueueConsumerDefinition<AuthenticateApiKeyConsumer>
{
    public AuthenticateApiKeyConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.AuthenticateApiKey)
    {
        // Every authenticated request elsewhere waits on this answer: many in parallel, each a single indexed lookup.
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AuthenticateApiKeyConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 64;
    }
}
