using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Moderation.Classifier;
using Moderation.Classifier.Inference;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The ceiling: the service's own session (same options, same provider) fed pre-decoded batches in a tight loop on one
/// thread, with no broker, no decoding and no publishing.
/// </summary>
internal static class RawOnnxBenchmark
{
    public sealed record Result(string Provider, bool Spinning, int BatchSize, double ImagesPerSecond, double SingleImagesPerSecond, double DecodeImagesPerSecond, double MsPerBatch, double CpuMsPerImage);

    public static Result Run(ClassifierOptions options, IReadOnlyList<byte[]> jpegs, TimeSpan duration)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var classifier = new OnnxFrameClassifier(Options.Create(options), metrics, NullLogger<OnnxFrameClassifier>.Instance);
        classifier.WarmUp();
        var preprocessor = new FramePreprocessor(classifier, Options.Create(options));

        // Decode every image once into its own batch buffer (timed: the parallel preprocessing rate, for reference).
        var batches = new List<FrameBatch>();
        var decodeStarted = Stopwatch.GetTimestamp();
        foreach (var chunk in jpegs.Chunk(options.MaxBatchSize))
        {
            var batch = classifier.Batches.Rent();
            var slots = preprocessor.Fill(batch, chunk.Select(j => (ReadOnlyMemory<byte>)j).ToArray());
            if (slots.Any(s => !s.Decoded))
            {
                throw new InvalidOperationException("A benchmark image could not be decoded.");
            }

            batches.Add(batch);
        }

        var decodeRate = jpegs.Count / Stopwatch.GetElapsedTime(decodeStarted).TotalSeconds;
        using var runOptions = new RunOptions();

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (images, elapsed, runs) = Loop(classifier, batches, runOptions, duration);
        var cpuMsPerImage = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / images;
        var batched = images / elapsed.TotalSeconds;

        var single = classifier.Batches.Rent();
        preprocessor.Fill(single, [jpegs[0]]);
        var (singleImages, singleElapsed, _) = Loop(classifier, [single], runOptions, duration / 4);

        return new Result(classifier.ExecutionProvider.ToString(), options.AllowSpinning, options.MaxBatchSize, batched, singleImages / singleElapsed.TotalSeconds, decodeRate,
            elapsed.TotalMilliseconds / runs, cpuMsPerImage);
    }

    private static (long Images, TimeSpan Elapsed, int Runs) Loop(OnnxFrameClassifier classifier, IReadOnlyList<FrameBatch> batches, RunOptions runOptions, TimeSpan duration)
    {
        long images = 0;
        var runs = 0;
        var started = Stopwatch.GetTimestamp();
        do
        {
            foreach (var batch in batches)
            {
                classifier.Run(batch, runOptions);
                images += batch.Count;
                runs++;
            }
        }
        while (Stopwatch.GetElapsedTime(started) < duration);

        return (images, Stopwatch.GetElapsedTime(started), runs);
    }
}
