using MassTransit;
using Moderation.Classifier.Inference;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;
using Moderation.Testing;

namespace Moderation.Classifier.Tests;

/// <summary>
/// The MobileNetV2 → InceptionV3 cascade in a real worker (both ONNX models, the real broker), with a stand-in for results
/// answering <see cref="GetCascadeBands"/> on results' queue: under a policy naming the cascade, a frame whose MobileNetV2
/// score lies in the band is re-scored by InceptionV3 and takes the two models' mean; one below the band keeps MobileNetV2's; one at
/// the block threshold is never escalated, so its score is never lowered; frames of a single-model policy are never
/// escalated. Every frame carries the configuration, the rule and each model's raw scores.
/// </summary>
public sealed class CascadeTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private const string CascadePolicy = "cascade-test";
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Only_frames_in_the_band_are_escalated_and_take_the_mean_with_InceptionV3_and_a_block_score_is_never_lowered()
    {
        var manifest = fixture.Manifest;
        var classes = manifest.Classes.ToList();
        var drawing = classes.IndexOf("Drawing");
        var frames = await TestFrames.PatternsAsync(TestFrames.DistinctPatterns);
        var answer = new CascadeBands("default", []);
        await using var results = await ResultsStandInAsync(fixture.RabbitMqUri, () => answer);
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:EscalationManifestPath"] = await TestModel.ManifestPathAsync("inception_v3"),
            ["Classifier:CascadeBandsReloadInterval"] = "00:00:01",
        });
        var first = await host.ReferenceScoresAsync(frames);

        // Three pictures with well separated Drawing scores: the band is drawn between them.
        var order = Enumerable.Range(0, frames.Count).OrderBy(i => first[i][drawing]).ToList();
        var (below, inBand, atBlock) = (order[0], order[order.Count / 2], order[^1]);
        Assert.True(first[inBand][drawing] - first[below][drawing] > 0.02 && first[atBlock][drawing] - first[inBand][drawing] > 0.02,
            $"test patterns' Drawing scores too close: {string.Join(", ", order.Select(i => first[i][drawing]))}");
        var band = new PolicyBand(CascadePolicy, 3, ModelConfigurations.CascadeV1,
            new Dictionary<string, float> { ["Drawing"] = (first[below][drawing] + first[inBand][drawing]) / 2 },
            new Dictionary<string, float> { ["Drawing"] = (first[inBand][drawing] + first[atBlock][drawing]) / 2 });
        var second = await SecondModelScoresAsync(host, frames);

        answer = new CascadeBands("default", [band, new PolicyBand("default", 1, ModelConfigurations.MobileNetV2, band.EscalateFrom, band.Block)]);
        await WaitForBandsAsync(host.Get<CascadeBandsCache>());
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var cascaded = Guid.NewGuid();
        var single = Guid.NewGuid();
        int[] picked = [below, inBand, atBlock];
        await bus.PublishAsync([.. picked.Select((p, i) => Frame(cascaded, i, frames[p], CascadePolicy)), .. picked.Select((p, i) => Frame(single, i, frames[p], null))]);
        await bus.WaitForResultsAsync(2 * picked.Length, ResultTimeout);

        var belowResult = bus.Classified[(cascaded, 0)];
        Assert.Equal((ModelConfigurations.CascadeV1, ScoreRules.OutsideBand), (belowResult.ModelConfiguration, belowResult.ScoreRule));
        BatchingTests.AssertScores(first[below], belowResult);
        AssertRawScores(belowResult, ("mobilenet_v2", first[below]));

        var escalated = bus.Classified[(cascaded, 1)];
        Assert.Equal((ModelConfigurations.CascadeV1, ScoreRules.Escalated), (escalated.ModelConfiguration, escalated.ScoreRule));
        BatchingTests.AssertScores([.. first[inBand].Zip(second[inBand], (a, b) => (a + b) / 2)], escalated);
        AssertRawScores(escalated, ("mobilenet_v2", first[inBand]), ("inception_v3", second[inBand]));

        var blocked = bus.Classified[(cascaded, 2)];
        Assert.Equal((ModelConfigurations.CascadeV1, ScoreRules.AtBlock), (blocked.ModelConfiguration, blocked.ScoreRule));
        Assert.True(blocked.Scores["Drawing"] >= band.Block["Drawing"]);
        BatchingTests.AssertScores(first[atBlock], blocked);
        AssertRawScores(blocked, ("mobilenet_v2", first[atBlock]));

        for (var i = 0; i < picked.Length; i++)
        {
            var result = bus.Classified[(single, i)];
            Assert.Equal((ModelConfigurations.MobileNetV2, ScoreRules.SingleModel), (result.ModelConfiguration, result.ScoreRule));
            BatchingTests.AssertScores(first[picked[i]], result);
            AssertRawScores(result, ("mobilenet_v2", first[picked[i]]));
        }

        Assert.Equal(1, host.Get<ClassifierMetrics>().FramesEscalated);
    }

    private static async Task WaitForBandsAsync(CascadeBandsCache cache)
    {
        using var timeout = new CancellationTokenSource(ResultTimeout);
        while (cache.Current?.Policies.Any(p => p.Policy == CascadePolicy) != true)
        {
            await cache.RefreshAsync(timeout.Token);
        }
    }

    private static FrameExtracted Frame(Guid mediaId, int index, byte[] picture, string? policy) =>
        new(mediaId, mediaId, index, index, picture, null, 224, 224, SubmissionPriority.Normal) { Policy = policy };

    private static void AssertRawScores(FrameClassified result, params (string Model, float[] Scores)[] expected)
    {
        Assert.NotNull(result.ModelScores);
        Assert.Equal(expected.Select(e => e.Model), result.ModelScores.Select(m => m.ModelName));
        foreach (var ((_, scores), raw) in expected.Zip(result.ModelScores))
        {
            var classes = raw.Scores.Keys.ToList();
            Assert.Equal(5, classes.Count);
            for (var c = 0; c < scores.Length; c++)
            {
                Assert.Equal(scores[c], raw.Scores.Values.ElementAt(c), 4);
            }
        }
    }

    /// <summary>InceptionV3's scores of each picture, through the worker's own second session and its own preprocessing.</summary>
    private static async Task<float[][]> SecondModelScoresAsync(ClassifierHost host, IReadOnlyList<byte[]> pictures)
    {
        var escalation = host.Get<EscalationModel>();
        var classifier = escalation.Classifier!;
        var scores = new float[pictures.Count][];
        for (var i = 0; i < pictures.Count; i++)
        {
            var batch = classifier.Batches.Rent();
            try
            {
                Assert.All(escalation.Preprocessor!.Fill(batch, [pictures[i]]), slot => Assert.True(slot.Decoded));
                await classifier.ClassifyAsync(batch, CancellationToken.None);
                scores[i] = batch.ScoresOf(0).ToArray();
            }
            finally
            {
                classifier.Batches.Return(batch);
            }
        }

        return scores;
    }

    /// <summary>Answers the worker's <see cref="GetCascadeBands"/> on results' own queue, as results would.</summary>
    private static async Task<IAsyncDisposable> ResultsStandInAsync(string rabbitMqUri, Func<CascadeBands> bands)
    {
        var endpoint = RabbitMqEndpoint.Parse(rabbitMqUri);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
            {
                h.Username(endpoint.Username);
                h.Password(endpoint.Password);
            });
            cfg.ReceiveEndpoint(QueueNames.ResultsGetCascadeBands, e => e.Handler<GetCascadeBands>(context => context.RespondAsync(bands())));
        });
        await bus.StartAsync();
        return new StoppingBus(bus);
    }

    private sealed class StoppingBus(IBusControl bus) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await bus.StopAsync();
    }
}
