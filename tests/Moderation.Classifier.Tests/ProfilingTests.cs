using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.Classifier.Inference;

namespace Moderation.Classifier.Tests;

/// <summary>
/// <c>Classifier:ProfilePathPrefix</c> is how a slow provider is diagnosed (which operator, on which provider, takes the
/// time): the profile must name the model's operators and where they ran.
/// </summary>
public sealed class ProfilingTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task Profile_prefix_writes_a_per_operator_profile_naming_the_provider()
    {
        var directory = Directory.CreateTempSubdirectory("ort-profile-");
        try
        {
            using (var services = new ServiceCollection().AddMetrics().BuildServiceProvider())
            using (var classifier = new OnnxFrameClassifier(
                Options.Create(new ClassifierOptions { ManifestPath = fixture.ManifestPath, ProfilePathPrefix = Path.Combine(directory.FullName, "profile") }),
                new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
                NullLogger<OnnxFrameClassifier>.Instance))
            {
                var batch = classifier.Batches.Rent();
                batch.Count = 4;
                await classifier.ClassifyAsync(batch, CancellationToken.None);
                classifier.Batches.Return(batch);
            }

            var files = directory.GetFiles("profile*.json");
            Assert.NotEmpty(files);
            var nodes = files.SelectMany(f => JsonDocument.Parse(File.ReadAllText(f.FullName)).RootElement.EnumerateArray())
                .Where(e => e.TryGetProperty("cat", out var cat) && cat.GetString() == "Node" && e.TryGetProperty("args", out var args) && args.TryGetProperty("provider", out _))
                .Select(e => (Op: e.GetProperty("args").GetProperty("op_name").GetString(), Provider: e.GetProperty("args").GetProperty("provider").GetString()))
                .ToList();
            Assert.Contains(nodes, n => n.Op == "Conv" || n.Op == "FusedConv");
            Assert.All(nodes, n => Assert.Equal("CPUExecutionProvider", n.Provider));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_prefix_nothing_is_profiled()
    {
        var before = Directory.GetFiles(Directory.GetCurrentDirectory(), "onnxruntime_profile*.json").Length;
        using (var services = new ServiceCollection().AddMetrics().BuildServiceProvider())
        using (var classifier = new OnnxFrameClassifier(
            Options.Create(new ClassifierOptions { ManifestPath = fixture.ManifestPath }),
            new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<OnnxFrameClassifier>.Instance))
        {
            var batch = classifier.Batches.Rent();
            batch.Count = 1;
            await classifier.ClassifyAsync(batch, CancellationToken.None);
            classifier.Batches.Return(batch);
        }

        Assert.Equal(before, Directory.GetFiles(Directory.GetCurrentDirectory(), "onnxruntime_profile*.json").Length);
    }
}
