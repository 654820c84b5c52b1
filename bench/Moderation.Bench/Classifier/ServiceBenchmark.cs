using System.Diagnostics;
using System.Globalization;
using Moderation.Classifier;
using Moderation.Contracts.V1;
using Moderation.Testing;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The classifier service end to end: its built assembly as a separate process (as in a pod), frames published to
/// RabbitMQ as the extractor publishes them, scores read back as the results service reads them. Latency is measured
/// from each frame's scheduled send time to its <see cref="FrameClassified"/> arriving, so a stalled publisher cannot
/// hide queueing (no coordinated omission).
/// </summary>
internal sealed class ServiceBenchmark : IAsyncDisposable
{
    private readonly ServiceProcess service;
    private readonly FrameLoadClient client;
    private readonly Collector collector;
    private readonly int images;

    private ServiceBenchmark(ServiceProcess service, FrameLoadClient client, Collector collector, int images)
    {
        this.service = service;
        this.client = client;
        this.collector = collector;
        this.images = images;
    }

    public sealed record Run(string Name, double OfferedPerSecond, int Frames, double ImagesPerSecond, double P50Ms, double P95Ms, double P99Ms, CpuShare Cpu);

    /// <summary>CPU time per image of each process on the path, and the classifier's share of the wall clock.</summary>
    public sealed record CpuShare(double ClassifierPercent, double ClassifierMsPerImage, double BrokerMsPerImage, double ClientMsPerImage);

    /// <summary>The broker's process when it runs on this machine, for its CPU time.</summary>
    public Process? Broker { get; set; }

    public static async Task<ServiceBenchmark> StartAsync(string rabbitMqUri, ClassifierOptions options, IReadOnlyList<byte[]> jpegs, string logPath)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__rabbitmq"] = rabbitMqUri,
            ["Classifier__ManifestPath"] = options.ManifestPath,
            ["Classifier__ExecutionProvider"] = options.ExecutionProvider.ToString(),
            ["Classifier__MaxBatchSize"] = options.MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            ["Classifier__MaxBatchWait"] = options.MaxBatchWait.ToString("c", CultureInfo.InvariantCulture),
            ["Classifier__IntraOpThreads"] = options.IntraOpThreads.ToString(CultureInfo.InvariantCulture),
            ["Classifier__AllowSpinning"] = options.AllowSpinning.ToString(),
            ["Classifier__ConcurrentBatches"] = options.ConcurrentBatches.ToString(CultureInfo.InvariantCulture),
            ["Classifier__PreprocessParallelism"] = options.PreprocessParallelism.ToString(CultureInfo.InvariantCulture),
        };
        if (File.Exists(logPath))
        {
            File.Delete(logPath);
        }

        var service = ServiceProcess.Start("classifier", Cluster.AssemblyPath(Cluster.Classifier), environment, logPath);
        try
        {
            await service.WaitReadyAsync(TimeSpan.FromMinutes(3));
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        var collector = new Collector();
        var client = await FrameLoadClient.ConnectAsync(rabbitMqUri, jpegs);
        client.ResultArrived = collector.Arrived;
        return new ServiceBenchmark(service, client, collector, jpegs.Count);
    }

    /// <summary>Publishes <paramref name="frames"/> frames as fast as the broker takes them: the service's capacity.</summary>
    public Task<Run> SaturateAsync(string name, int frames) => RunAsync(name, frames, ratePerSecond: null);

    /// <summary>Offers frames at a steady <paramref name="ratePerSecond"/> for <paramref name="duration"/>.</summary>
    public Task<Run> PaceAsync(string name, double ratePerSecond, TimeSpan duration) =>
        RunAsync(name, Math.Max(1, (int)(ratePerSecond * duration.TotalSeconds)), ratePerSecond);

    public async ValueTask DisposeAsync()
    {
        await client.DisposeAsync();
        await service.StopAsync(TimeSpan.FromSeconds(30));
        await service.DisposeAsync();
    }

    private async Task<Run> RunAsync(string name, int frames, double? ratePerSecond)
    {
        var mediaId = Guid.NewGuid();
        var correlationId = Guid.NewGuid();
        var scheduled = new long[frames];
        var pending = collector.Expect(mediaId, frames);
        using var inFlight = new SemaphoreSlim(256);
        var publishes = new List<Task>(frames);
        var cpuBefore = CpuTimes();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < frames; i++)
        {
            if (ratePerSecond is { } rate)
            {
                var due = started + (long)(i / rate * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait);
                }

                scheduled[i] = due;
            }
            else
            {
                scheduled[i] = Stopwatch.GetTimestamp();
            }

            await inFlight.WaitAsync();
            publishes.Add(PublishAsync(mediaId, correlationId, i, inFlight));
        }

        await Task.WhenAll(publishes);
        var arrivals = await pending.WaitAsync(TimeSpan.FromMinutes(5));
        var cpuAfter = CpuTimes();
        var first = scheduled[0];
        var last = arrivals.Max();
        var elapsed = Stopwatch.GetElapsedTime(first, last);
        var latencies = arrivals.Select((arrived, i) => Stopwatch.GetElapsedTime(scheduled[i], arrived).TotalMilliseconds).Order().ToArray();
        return new Run(
            name,
            ratePerSecond ?? double.NaN,
            frames,
            frames / elapsed.TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            Percentile(latencies, 0.99),
            new CpuShare(
                100 * (cpuAfter.Classifier - cpuBefore.Classifier).TotalSeconds / elapsed.TotalSeconds,
                (cpuAfter.Classifier - cpuBefore.Classifier).TotalMilliseconds / frames,
                Broker is null ? double.NaN : (cpuAfter.Broker - cpuBefore.Broker).TotalMilliseconds / frames,
                (cpuAfter.Client - cpuBefore.Client).TotalMilliseconds / frames));
    }

    private (TimeSpan Classifier, TimeSpan Broker, TimeSpan Client) CpuTimes()
    {
        service.Process.Refresh();
        Broker?.Refresh();
        return (service.Process.TotalProcessorTime, Broker?.TotalProcessorTime ?? TimeSpan.Zero, Process.GetCurrentProcess().TotalProcessorTime);
    }

    private async Task PublishAsync(Guid mediaId, Guid correlationId, int frameIndex, SemaphoreSlim inFlight)
    {
        try
        {
            await client.PublishAsync(mediaId, correlationId, frameIndex, frameIndex % images);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Arrival timestamps of one run's frames.</summary>
    private sealed class Collector
    {
        private Expectation? current;

        public Expectation Expect(Guid mediaId, int frames) => current = new Expectation(mediaId, frames);

        public void Arrived(Guid mediaId, int frameIndex, bool failed)
        {
            var now = Stopwatch.GetTimestamp();
            if (current is { } expectation && expectation.MediaId == mediaId)
            {
                if (failed)
                {
                    expectation.Failed(frameIndex);
                }
                else
                {
                    expectation.Arrived(frameIndex, now);
                }
            }
        }
    }

    private sealed class Expectation(Guid mediaId, int frames)
    {
        private readonly long[] arrivals = new long[frames];
        private readonly TaskCompletionSource<long[]> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int remaining = frames;

        public Guid MediaId { get; } = mediaId;

        public void Arrived(int frameIndex, long timestamp)
        {
            // Redelivered duplicates keep the first arrival.
            if (Interlocked.CompareExchange(ref arrivals[frameIndex], timestamp, 0) == 0 && Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult(arrivals);
            }
        }

        public void Failed(int frameIndex) =>
            done.TrySetException(new InvalidOperationException($"Frame {frameIndex} of the benchmark failed to classify; see the classifier log."));

        public async Task<long[]> WaitAsync(TimeSpan timeout) =>
            await done.Task.WaitAsync(timeout).ConfigureAwait(false);
    }
}
