using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Moderation.Classifier.Apis;
using Moderation.Classifier.Inference;

namespace Moderation.Classifier.Tests;

/// <summary>This machine has no GPU and the default build has no GPU provider: the fallback path is the real one here.</summary>
public sealed class ExecutionProviderTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Theory]
    [InlineData("Cuda")]
    [InlineData("TensorRt")]
    public async Task Gpu_provider_requested_without_a_GPU_falls_back_to_the_CPU_says_so_and_classifies(string provider)
    {
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:ExecutionProvider"] = provider,
        });
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);

        Assert.Equal(ExecutionProviderKind.Cpu, host.Get<IFrameClassifier>().ExecutionProvider);
        Assert.Contains(host.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("FALLING BACK TO CPU", StringComparison.Ordinal));
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("-p:OnnxRuntimeFlavor=Gpu", StringComparison.Ordinal));

        var frames = await TestFrames.PatternsAsync(4);
        await bus.PublishMediumAsync(frames);
        await bus.WaitForResultsAsync(frames.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(frames.Count, bus.Classified.Count);

        using var http = host.CreateClient();
        var stats = await http.GetFromJsonAsync<ClassifierStats>("/api/classifier/stats");
        Assert.Equal("Cpu", stats?.ExecutionProvider);
    }

    [Fact]
    public void Gpu_provider_without_a_GPU_and_without_fallback_refuses_to_start()
    {
        var error = Assert.ThrowsAny<Exception>(() => ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:ExecutionProvider"] = "Cuda",
            ["Classifier:AllowCpuFallback"] = "false",
        }));

        Assert.Contains("refusing to run on the CPU", Errors.Flatten(error), StringComparison.Ordinal);
    }
}
