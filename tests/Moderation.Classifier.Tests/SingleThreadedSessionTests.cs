using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.Classifier.Inference;

namespace Moderation.Classifier.Tests;

/// <summary>
/// Small batches run on a second, single-threaded CPU session of the same model (light load: no operator barrier
/// waits for a core another process holds); they must score exactly what the parallel session scores.
/// </summary>
public sealed class SingleThreadedSessionTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task A_lone_frame_runs_single_threaded_and_scores_as_it_does_in_a_full_batch()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var classifier = Create(services, new ClassifierOptions { ManifestPath = fixture.ManifestPath, MaxBatchSize = 8 });
        Assert.Equal(2, classifier.SingleThreadedBatchMaxSize);

        var full = classifier.Batches.Rent();
        var lone = classifier.Batches.Rent();
        try
        {
            // Eight different frames in one batch (the parallel session), then each of them alone (the single-threaded one).
            var random = new Random(14);
            full.Count = 8;
            for (var slot = 0; slot < 8; slot++)
            {
                var pixels = full.InputOf(slot);
                for (var i = 0; i < pixels.Length; i++)
                {
                    pixels[i] = (float)random.NextDouble();
                }
            }

            await classifier.ClassifyAsync(full, CancellationToken.None);
            for (var slot = 0; slot < 8; slot++)
            {
                lone.Count = 1;
                full.InputOf(slot).CopyTo(lone.InputOf(0));
                await classifier.ClassifyAsync(lone, CancellationToken.None);
                var expected = full.ScoresOf(slot).ToArray();
                var actual = lone.ScoresOf(0).ToArray();
                for (var c = 0; c < expected.Length; c++)
                {
                    Assert.Equal(expected[c], actual[c], 5);
                }
            }
        }
        finally
        {
            classifier.Batches.Return(full);
            classifier.Batches.Return(lone);
        }
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(0, 0)]
    public void No_second_session_when_it_would_not_differ_or_is_turned_off(int intraOpThreads, int singleThreadedBatchMaxSize)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var classifier = Create(services, new ClassifierOptions
        {
            ManifestPath = fixture.ManifestPath,
            IntraOpThreads = intraOpThreads,
            SingleThreadedBatchMaxSize = singleThreadedBatchMaxSize,
        });

        Assert.Equal(0, classifier.SingleThreadedBatchMaxSize);
    }

    private static OnnxFrameClassifier Create(ServiceProvider services, ClassifierOptions options) =>
        new(Options.Create(options), new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<OnnxFrameClassifier>.Instance);
}
