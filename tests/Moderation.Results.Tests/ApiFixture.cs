using System.Collections.Concurrent;
using MassTransit;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Tests.Infrastructure;
using Moderation.ServiceDefaults;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// One service shared by the policy and authentication tests, with key validation delegated to a stand-in for
/// ingest's <see cref="AuthenticateApiKey"/> responder on the same RabbitMQ virtual host.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string IngestKey = "ingest-issued-key-0123456789";

    private IBusControl? _ingest;

    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public ConcurrentQueue<string> KeyLookups { get; } = new();

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:UseIngest"] = "true",
            ["Auth:CacheDuration"] = "00:01:00",
            ["Auth:RequestTimeout"] = "00:00:05",
            ["Aggregation:StallTimeout"] = "00:00:05",
            ["Aggregation:StallSweepInterval"] = "00:00:01",
        });
        Probe = await BusProbe.StartAsync(App.RabbitMq);
        var endpoint = RabbitMqEndpoint.Parse(App.RabbitMq);
        var validHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(IngestKey)));
        _ingest = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
            {
                h.Username(endpoint.Username);
                h.Password(endpoint.Password);
            });
            cfg.ReceiveEndpoint("fake-ingest-authenticate-api-key", e => e.Handler<AuthenticateApiKey>(context =>
            {
                KeyLookups.Enqueue(context.Message.KeyHash);
                return context.RespondAsync(context.Message.KeyHash == validHash
                    ? new ApiKeyIdentity(true, "wiki-uploader", [ModerationScopes.Submit, ModerationScopes.Read])
                    : new ApiKeyIdentity(false, null, []));
            }));
        });
        await _ingest.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_ingest is not null)
        {
            await _ingest.StopAsync();
        }

        await Probe.DisposeAsync();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
