using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Moderation.Classifier.Apis;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Tests;

public sealed class BatchingTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Frames_arriving_together_are_inferred_in_shared_batches_and_each_gets_its_scores()
    {
        using var batchSizes = new BatchSizeRecorder();
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:MaxBatchSize"] = "16",
            ["Classifier:MaxBatchWait"] = "00:00:00.200",
        });
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var frames = await TestFrames.PatternsAsync(48);

        var mediaId = await bus.PublishMediumAsync(frames);
        await bus.WaitForResultsAsync(frames.Count, ResultTimeout);

        Assert.Empty(bus.Failed);
        Assert.Equal(frames.Count, bus.Classified.Count);
        var manifest = fixture.Manifest;
        for (var index = 0; index < frames.Count; index++)
        {
            var result = bus.Classified[(mediaId, index)];
            Assert.Equal(manifest.Classes, result.Scores.Keys);
            Assert.All(result.Scores.Values, score => Assert.InRange(score, 0f, 1f));
            Assert.InRange(result.Scores.Values.Sum(), 0.99f, 1.01f);
            Assert.NotNull(result.Embedding);
            Assert.Equal(manifest.Outputs.EmbeddingSize, result.Embedding.Length);
            Assert.Equal(manifest.Name, result.ModelName);
            Assert.Equal(manifest.Version, result.ModelVersion);
            Assert.Equal(index * 5.0, result.TimestampSeconds);
        }

        // Each frame got its own picture's scores, whichever batch and slot it was inferred in.
        var reference = await host.ReferenceScoresAsync(frames.Take(TestFrames.DistinctPatterns).ToList());
        for (var index = 0; index < frames.Count; index++)
        {
            AssertScores(reference[index % TestFrames.DistinctPatterns], bus.Classified[(mediaId, index)]);
        }

        Assert.Contains(batchSizes.Sizes, size => size > 1);
        Assert.True(batchSizes.Sizes.Count < frames.Count, $"{batchSizes.Sizes.Count} batches for {frames.Count} frames");
        Assert.All(batchSizes.Sizes, size => Assert.InRange(size, 1, 16));

        using var http = host.CreateClient();
        var stats = await http.GetFromJsonAsync<ClassifierStats>("/api/classifier/stats");
        Assert.NotNull(stats);
        Assert.Equal(frames.Count, stats.FramesClassified);
        Assert.Equal(0, stats.FramesFailed);
        Assert.Equal(16, stats.LargestBatch);
        Assert.Equal(0u, await TestBroker.MessageCountAsync(fixture.RabbitMqUri, TestBroker.ClassifierQueue));
    }

    [Fact]
    public async Task Undecodable_frames_get_FrameFailed_while_their_batch_mates_are_classified()
    {
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string>
        {
            ["Classifier:MaxBatchSize"] = "12",
            ["Classifier:MaxBatchWait"] = "00:00:02",
        });
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var frames = (await TestFrames.PatternsAsync(12)).ToArray();
        frames[3] = "not a jpeg at all"u8.ToArray();
        frames[7] = frames[7][..(frames[7].Length / 2)];

        var mediaId = await bus.PublishMediumAsync(frames);
        await bus.WaitForResultsAsync(frames.Length, ResultTimeout);

        Assert.Equal([3, 7], bus.Failed.Keys.Select(k => k.FrameIndex).Order());
        Assert.All(bus.Failed.Values, failed =>
        {
            Assert.Equal(mediaId, failed.MediaId);
            Assert.False(string.IsNullOrWhiteSpace(failed.Detail));
        });
        Assert.Equal(FailureReasons.FrameUndecodable, bus.Failed[(mediaId, 3)].Reason);
        Assert.Equal(FailureReasons.Truncated, bus.Failed[(mediaId, 7)].Reason);
        Assert.Equal(10, bus.Classified.Count);

        // The decoded frames closed ranks in the batch tensor; each still got the scores of its own picture.
        var reference = await host.ReferenceScoresAsync((await TestFrames.PatternsAsync(TestFrames.DistinctPatterns)).ToList());
        foreach (var ((_, index), result) in bus.Classified)
        {
            AssertScores(reference[index % TestFrames.DistinctPatterns], result);
        }

        // The poisoned frames were in the very batch their mates were scored in, and nothing was retried or dead-lettered.
        var stats = host.Get<ClassifierMetrics>();
        Assert.Equal(1, stats.Batches);
        Assert.Equal(12, stats.LargestBatch);
        Assert.Single(bus.Classified.Values.Select(c => c.ClassifiedAt).Distinct());
        Assert.Equal(0u, await TestBroker.MessageCountAsync(fixture.RabbitMqUri, TestBroker.ClassifierQueue));
        Assert.Null(await TestBroker.MessageCountAsync(fixture.RabbitMqUri, TestBroker.ClassifierQueue + "_error"));
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains($"Frame 3 of {mediaId} is undecodable", StringComparison.Ordinal));
    }

    internal static void AssertScores(float[] expected, FrameClassified actual)
    {
        var values = actual.Scores.Values.ToArray();
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.InRange(values[c], expected[c] - 1e-4f, expected[c] + 1e-4f);
        }
    }

    /// <summary>Batch sizes as the worker reports them on its meter.</summary>
    private sealed class BatchSizeRecorder : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<int> sizes = [];

        public BatchSizeRecorder()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "moderation.classifier.batch.size")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
            {
                lock (sizes)
                {
                    sizes.Add(size);
                }
            });
            listener.Start();
        }

        public IReadOnlyList<int> Sizes
        {
            get
            {
                lock (sizes)
                {
                    return [.. sizes];
                }
            }
        }

        public void Dispose() => listener.Dispose();
    }
}
