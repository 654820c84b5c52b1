using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>One cluster (the four services as processes on the shared servers) for the end-to-end tests that do not break it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private Cluster? _cluster;

    public Cluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public IngestApi Ingest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync(ConfigureForTests);
        Ingest = new IngestApi(_cluster.Client(Cluster.Ingest));
        await WarmUpAuthenticationAsync(_cluster);
    }

    /// <summary>
    /// Results checks API keys by asking ingest over RabbitMQ; on a busy machine the very first request (which sets up the
    /// request client's response queue) can outlast its timeout and, correctly, answer 503. Wait for one 200 first.
    /// </summary>
    public static async Task WarmUpAuthenticationAsync(Cluster cluster)
    {
        using var results = cluster.Client(Cluster.Results);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var response = await results.GetAsync("/policies");
            if (response.IsSuccessStatusCode || DateTime.UtcNow > deadline)
            {
                Assert.True(response.IsSuccessStatusCode, $"results never accepted the cluster's key: {(int)response.StatusCode}");
                return;
            }

            await Task.Delay(500);
        }
    }

    public async Task DisposeAsync()
    {
        Ingest?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The one client whose near-duplicate stills reuse earlier decisions (KnownContentTests).</summary>
    public const string NearDuplicateClient = "near-duplicates";

    /// <summary>The shared secret of the test upload system that calls ingest's webhook.</summary>
    public const string WebhookClient = "wiki";
    public const string WebhookSecret = "test-webhook-secret-0123456789abcdef";

    /// <summary>The client whose originals and frames retention removes <see cref="RetentionDays"/> (about 10 s) after the verdict.</summary>
    public const string RetentionClient = "retention";
    public const string RetentionDays = "0.00012";

    /// <summary>Loopback callbacks and fetches are allowed in tests only; everything else is the production configuration.</summary>
    public static void ConfigureForTests(string service, IDictionary<string, string> env)
    {
        if (service == Cluster.Results)
        {
            env["Callbacks__AllowLoopback"] = "true";
            // The tests submit variations of the same generated pictures as one client and expect the model to judge each:
            // near-duplicate reuse (on by default) is on for the one client that tests it.
            env["Banks__NearDuplicateDistance"] = "-1";
            env[$"Banks__ClientNearDuplicateDistance__{NearDuplicateClient}"] = "8";
        }

        if (service == Cluster.Ingest)
        {
            env["UrlFetch__AllowLoopback"] = "true";
            env[$"Webhooks__Clients__{WebhookClient}__Secret"] = WebhookSecret;
            // One client with a short retention (RetentionTests); every other client keeps everything.
            env[$"Retention__Clients__{RetentionClient}__DeleteOriginalsAfter"] = RetentionDays;
            env[$"Retention__Clients__{RetentionClient}__DeleteFramesAfter"] = RetentionDays;
            env["Retention__SweepInterval"] = "00:00:01";
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
