using Moderation.Classifier.Inference;
using Moderation.Contracts.Heads;
using Moderation.Model;

namespace Moderation.Classifier.Tests;

/// <summary>
/// The feedback loop's last step: a head results trained on reviewers' decisions changes the worker's scores for its
/// classes, computed from each frame's embedding, under the head's own version; a head that does not fit the model is
/// refused and changes nothing; removing the file returns to the base model.
/// </summary>
public sealed class FeedbackHeadTests(ModelFixture fixture) : IClassFixture<ModelFixture>, IDisposable
{
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("classifier-head-").FullName;

    private string HeadPath => Path.Combine(_directory, "head.json");

    [Fact]
    public async Task A_head_rescores_its_classes_from_the_embedding_until_it_is_removed_and_a_misfit_changes_nothing()
    {
        var manifest = fixture.Manifest;
        var head = Head(manifest, manifest.Version, "Drawing", "Sexy");
        await File.WriteAllTextAsync(HeadPath, head.ToJson());
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:FeedbackHeadPath"] = HeadPath,
            ["Classifier:FeedbackHeadReloadInterval"] = "01:00:00",
        });
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var frames = await TestFrames.PatternsAsync(TestFrames.DistinctPatterns);
        var reference = await host.ReferenceScoresAsync(frames);

        var withHead = await bus.PublishMediumAsync(frames);
        await bus.WaitForResultsAsync(frames.Count, ResultTimeout);

        var drawing = manifest.Classes.ToList().IndexOf("Drawing");
        var sexy = manifest.Classes.ToList().IndexOf("Sexy");
        var changed = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            var result = bus.Classified[(withHead, i)];
            Assert.Equal(head.Version, result.ModelVersion);
            Assert.Equal(head.Classes[0].Probability(result.Embedding!), result.Scores["Drawing"], 5);
            Assert.Equal(head.Classes[1].Probability(result.Embedding!), result.Scores["Sexy"], 5);
            foreach (var other in manifest.Classes.Where(c => c is not "Drawing" and not "Sexy"))
            {
                Assert.Equal(reference[i][manifest.Classes.ToList().IndexOf(other)], result.Scores[other], 4);
            }

            changed += Math.Abs(result.Scores["Drawing"] - reference[i][drawing]) > 0.01 || Math.Abs(result.Scores["Sexy"] - reference[i][sexy]) > 0.01 ? 1 : 0;
        }

        Assert.True(changed > 0, "the head must actually move scores");

        var feedback = host.Get<FeedbackHead>();
        await File.WriteAllTextAsync(HeadPath, Head(manifest, "0.0.1-other-base", "Drawing").ToJson());
        Assert.Equal(head.Version, feedback.RefreshFromFile()?.Head.Version);
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("refused", StringComparison.Ordinal) && e.Message.Contains("0.0.1-other-base", StringComparison.Ordinal));

        File.Delete(HeadPath);
        Assert.Null(feedback.RefreshFromFile());
        var withoutHead = await bus.PublishMediumAsync(frames);
        await bus.WaitForResultsAsync(2 * frames.Count, ResultTimeout);
        for (var i = 0; i < frames.Count; i++)
        {
            var result = bus.Classified[(withoutHead, i)];
            Assert.Equal(manifest.Version, result.ModelVersion);
            BatchingTests.AssertScores(reference[i], result);
        }
    }

    [Theory]
    [InlineData("format", "its format")]
    [InlineData("embedding", "embedding size")]
    [InlineData("class", "not one of the model's")]
    [InlineData("weights", "finite numbers")]
    [InlineData("version", "apart from the base model")]
    public void A_head_that_does_not_fit_the_model_says_why(string defect, string reason)
    {
        var manifest = fixture.Manifest;
        var head = Head(manifest, manifest.Version, "Porn");
        head = defect switch
        {
            "format" => head with { Format = "moderation-head/0" },
            "embedding" => head with { EmbeddingSize = 64 },
            "class" => head with { Classes = [head.Classes[0] with { Class = "Violence" }] },
            "weights" => head with { Classes = [head.Classes[0] with { Weights = [.. head.Classes[0].Weights[..^1], float.NaN] }] },
            _ => head with { Version = manifest.Version },
        };

        var why = head.Incompatibility(manifest.Name, manifest.Version, manifest.Outputs.EmbeddingSize, [.. manifest.Classes]);

        Assert.NotNull(why);
        Assert.Contains(reason.Replace("its format", "format", StringComparison.Ordinal), why, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A head of small pseudo-random weights for <paramref name="classes"/>, trained (as far as it says) on <paramref name="baseVersion"/>.</summary>
    private static HeadFile Head(ModelManifest manifest, string baseVersion, params string[] classes)
    {
        var random = new Random(7);
        var heads = classes.Select(c => new HeadClass(c,
            [.. Enumerable.Range(0, manifest.Outputs.EmbeddingSize).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f)], 0.3f, 0.5)).ToList();
        return new HeadFile(HeadFile.CurrentFormat, $"{baseVersion}+fbtest", manifest.Name, baseVersion, manifest.Outputs.EmbeddingSize, DateTimeOffset.UtcNow, heads);
    }
}
