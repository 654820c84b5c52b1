using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Base of test classes that need a cluster configured their own way (the shared <see cref="ClusterFixture"/> runs the
/// production defaults): the test settings plus <see cref="Configure"/>, started before the tests and removed after.
/// </summary>
public abstract class OwnClusterTests : IAsyncLifetime, IDisposable
{
    private Cluster? _cluster;
    private IngestApi? _ingest;

    protected Cluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    protected IngestApi Ingest => _ingest ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        await PrepareAsync();
        try
        {
            _cluster = await Cluster.StartAsync((service, env) =>
            {
                ClusterFixture.ConfigureForTests(service, env);
                Configure(service, env);
            });
        }
        catch
        {
            // A class whose start failed is not disposed by xunit: release what Configure created now.
            await CleanUpAsync();
            throw;
        }

        _ingest = new IngestApi(_cluster.Client(Cluster.Ingest));
    }

    public void Dispose()
    {
        _ingest?.Dispose();
        GC.SuppressFinalize(this);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await CleanUpAsync();
    }

    /// <summary>Runs before the cluster starts (e.g. to reach a server the settings name).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Runs after the cluster has stopped (e.g. to remove server-wide things <see cref="Configure"/> created).</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>This class's settings for <paramref name="service"/> (env-var keys), on top of the test settings.</summary>
    protected abstract void Configure(string service, IDictionary<string, string> env);
}
