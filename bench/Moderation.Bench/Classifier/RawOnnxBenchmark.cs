using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Moderation.Classifier;
using Moderation.Classifier.Inference;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The ceiling: the service's own session type (same options, same provider) fed pre-decoded batches in a tight loop on
/// one thread, with no broker, no decoding and no publishing. Throughput is taken per pass over the image set, and the
/// best pass counts, so work of other processes on a shared machine lowers it as little as possible.
/// </summary>
internal sealed class RawOnnxBenchmark : IDisposable
{
    private readonly ServiceProvider services;
    private readonly OnnxFrameClassifier classifier;
    private readonly List<FrameBatch> batches = [];
    private readonly FrameBatch single;
    private readonly RunOptions runOptions = new();
    private readonly List<double> passes = [];
    private TimeSpan cpu;
    private long images;

    public RawOnnxBenchmark(ClassifierOptions options, IReadOnlyList<byte[]> jpegs)
    {
        ArgumentNullException.ThrowIfNull(options);
        Spinning = options.AllowSpinning;
        services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        classifier = new OnnxFrameClassifier(Options.Create(options), metrics, NullLogger<OnnxFrameClassifier>.Instance);
        classifier.WarmUp();
        var preprocessor = new FramePreprocessor(classifier, Options.Create(options));

        // Every image decoded once into its own batch buffer; timed, for the parallel preprocessing rate.
        var started = Stopwatch.GetTimestamp();
        foreach (var chunk in jpegs.Chunk(options.MaxBatchSize))
        {
            var batch = classifier.Batches.Rent();
            if (preprocessor.Fill(batch, chunk.Select(j => (ReadOnlyMemory<byte>)j).ToArray()).Any(s => !s.Decoded))
            {
                throw new InvalidOperationException("A benchmark image could not be decoded.");
            }

            batches.Add(batch);
        }

        DecodeImagesPerSecond = jpegs.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
        single = classifier.Batches.Rent();
        preprocessor.Fill(single, [jpegs[0]]);
    }

    public bool Spinning { get; }

    public string Provider => classifier.ExecutionProvider.ToString();

    public int BatchSize => batches[0].Shape.Capacity;

    public double DecodeImagesPerSecond { get; }

    /// <summary>Best pass over the image set so far.</summary>
    public double ImagesPerSecond => passes.Count == 0 ? 0 : passes.Max();

    public double MedianImagesPerSecond => passes.Count == 0 ? 0 : passes.Order().ElementAt(passes.Count / 2);

    public double MsPerBatch => 1000.0 * BatchSize / ImagesPerSecond;

    public double CpuMsPerImage => cpu.TotalMilliseconds / images;

    public double SingleImagesPerSecond { get; private set; }

    /// <summary>Passes over the whole image set in batches until <paramref name="duration"/> is used up.</summary>
    public void Measure(TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        do
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var count = 0;
            foreach (var batch in batches)
            {
                classifier.Run(batch, runOptions);
                count += batch.Count;
            }

            passes.Add(count / Stopwatch.GetElapsedTime(started).TotalSeconds);
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            images += count;
        }
        while (Stopwatch.GetTimestamp() < deadline);
    }

    /// <summary>One pass over the image set, returning every image's class probabilities in order.</summary>
    public IReadOnlyList<float[]> Scores()
    {
        var scores = new List<float[]>();
        foreach (var batch in batches)
        {
            classifier.Run(batch, runOptions);
            scores.AddRange(Enumerable.Range(0, batch.Count).Select(slot => batch.ScoresOf(slot).ToArray()));
        }

        return scores;
    }

    /// <summary>Batches of one, for the latency floor of a single frame.</summary>
    public void MeasureSingle(TimeSpan duration)
    {
        var count = 0;
        var started = Stopwatch.GetTimestamp();
        do
        {
            classifier.Run(single, runOptions);
            count++;
        }
        while (Stopwatch.GetElapsedTime(started) < duration);

        SingleImagesPerSecond = Math.Max(SingleImagesPerSecond, count / Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public void Dispose()
    {
        runOptions.Dispose();
        classifier.Dispose();
        services.Dispose();
    }
}
