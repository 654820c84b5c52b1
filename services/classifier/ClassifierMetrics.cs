using System.Diagnostics.Metrics;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier;

/// <summary>
/// The classifier's instruments on the shared "Moderation" meter, plus running totals for the stats endpoint.
/// Frames per second is the rate of <c>moderation.classifier.frames</c>.
/// </summary>
public sealed class ClassifierMetrics
{
    /// <summary>The shared duration buckets, with sub-millisecond ones below for preprocessing and inference of small batches.</summary>
    private static readonly IReadOnlyList<double> SecondsBuckets = [0.0005, 0.001, 0.0025, .. Telemetry.DurationBuckets];

    private readonly Counter<long> frames;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> queueWait;
    private readonly Histogram<double> preprocessDuration;
    private readonly Histogram<double> inferenceWait;
    private readonly Histogram<double> inferenceDuration;
    private readonly Counter<long> escalations;
    private long framesClassified;
    private long framesKnown;
    private long framesEscalated;
    private long framesFailed;
    private long batches;
    private int largestBatch;
    private volatile KeyValuePair<string, object?>[]? executionProvider;

    public ClassifierMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Telemetry.MeterName);
        frames = meter.CreateCounter<long>("moderation.classifier.frames", "{frame}", "Frames handled; outcome is classified, failed, or known (decided by known content before the model).");
        escalations = meter.CreateCounter<long>("moderation.classifier.escalations", "{frame}", "Frames in a cascade policy's uncertain band, re-scored by the second model.");
        batchSize = meter.CreateHistogram<int>(
            "moderation.classifier.batch.size", "{frame}", "Frames per inference batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024] });
        queueWait = meter.CreateHistogram<double>(
            "moderation.classifier.queue.wait", "s", "Time from a frame being published to its batch starting (broker queue plus batch collection).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        preprocessDuration = meter.CreateHistogram<double>(
            "moderation.classifier.preprocess.duration", "s", "JPEG decode and resize of one batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        inferenceWait = meter.CreateHistogram<double>(
            "moderation.classifier.inference.wait", "s", "Time a decoded batch waited for the session (the session is busy, which is the goal).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        inferenceDuration = meter.CreateHistogram<double>(
            "moderation.classifier.inference.duration", "s", "One ONNX Runtime call on a batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableGauge("moderation.classifier.execution_provider",
            () => executionProvider is { } tags ? [new Measurement<int>(1, tags)] : Array.Empty<Measurement<int>>(),
            description: "1, tagged with the execution provider configured (requested) and the one the model runs on (active): requested Cuda with active Cpu is a GPU worker that fell back to the CPU.");
    }

    public long FramesClassified => Interlocked.Read(ref framesClassified);

    public long FramesFailed => Interlocked.Read(ref framesFailed);

    public long FramesEscalated => Interlocked.Read(ref framesEscalated);

    /// <summary>Stills withheld from the model because known content decided them.</summary>
    public long FramesKnown => Interlocked.Read(ref framesKnown);

    public long Batches => Interlocked.Read(ref batches);

    public int LargestBatch => Volatile.Read(ref largestBatch);

    public void SessionOpened(ExecutionProviderKind requested, ExecutionProviderKind active) =>
        executionProvider = [new("requested", requested.ToString()), new("active", active.ToString())];

    public void BatchReceived(int size)
    {
        batchSize.Record(size);
        Interlocked.Increment(ref batches);
        var largest = Volatile.Read(ref largestBatch);
        while (size > largest)
        {
            var seen = Interlocked.CompareExchange(ref largestBatch, size, largest);
            if (seen == largest)
            {
                break;
            }

            largest = seen;
        }
    }

    public void QueueWait(TimeSpan wait) => queueWait.Record(Math.Max(0, wait.TotalSeconds));

    public void Preprocessed(TimeSpan duration) => preprocessDuration.Record(duration.TotalSeconds);

    public void InferenceStarted(TimeSpan waited) => inferenceWait.Record(waited.TotalSeconds);

    public void Inferred(TimeSpan duration, string provider) =>
        inferenceDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("execution_provider", provider));

    public void Classified(int count)
    {
        frames.Add(count, new KeyValuePair<string, object?>("outcome", "classified"));
        Interlocked.Add(ref framesClassified, count);
    }

    public void Failed(int count)
    {
        frames.Add(count, new KeyValuePair<string, object?>("outcome", "failed"));
        Interlocked.Add(ref framesFailed, count);
    }

    /// <summary>Stills withheld from the model because known content (a hash bank, a near-duplicate) decided them.</summary>
    public void KnownContent(int count)
    {
        if (count > 0)
        {
            frames.Add(count, new KeyValuePair<string, object?>("outcome", "known"));
            Interlocked.Add(ref framesKnown, count);
        }
    }

    public void Escalated(int count)
    {
        escalations.Add(count);
        Interlocked.Add(ref framesEscalated, count);
    }
}
