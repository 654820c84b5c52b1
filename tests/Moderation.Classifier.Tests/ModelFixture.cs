using Moderation.Model;
using Moderation.Testing;

namespace Moderation.Classifier.Tests;

/// <summary>A fresh virtual host per test class on the shared broker, and the real model (built when missing).</summary>
public sealed class ModelFixture : IAsyncLifetime
{
    public string RabbitMqUri { get; private set; } = "";

    public string ManifestPath { get; private set; } = "";

    public ModelManifest Manifest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        RabbitMqUri = await servers.CreateVirtualHostAsync("classifier");
        ManifestPath = await TestModel.ManifestPathAsync();
        Manifest = ModelManifest.Load(ManifestPath);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
