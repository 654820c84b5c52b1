using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Moderation.Classifier;
using Moderation.Model;
using Moderation.Testing;

namespace Moderation.Bench.Classifier;

/// <summary>
/// <c>classifier</c>: on one image set, in one run, (a) raw ONNX Runtime batched throughput, the ceiling; (b) the
/// classifier service end to end through RabbitMQ, at saturation and at 50 % and 100 % of that capacity; (c) nsfwjs in
/// Node with the pure-JS CPU and the WASM backends. Prints a markdown report with the ratios.
/// </summary>
internal static class ClassifierBenchmark
{
    public static async Task<int> RunAsync(ClassifierSettings settings)
    {
        var modelKey = settings.Model;
        var manifestPath = settings.Manifest ?? await TestModel.ManifestPathAsync(modelKey);
        var manifest = ModelManifest.Load(manifestPath);
        var options = new ClassifierOptions
        {
            ManifestPath = manifestPath,
            ExecutionProvider = settings.Provider,
            MaxBatchSize = settings.Batch,
            MaxBatchWait = TimeSpan.FromMilliseconds(settings.WaitMs),
            ConcurrentBatches = settings.ConcurrentBatches,
            IntraOpThreads = settings.IntraOp,
            AllowSpinning = settings.Spinning,
            PreprocessParallelism = settings.PreprocessParallelism,
            CudaProviderOptions = new Dictionary<string, string>(settings.CudaOptions, StringComparer.Ordinal),
            ProfilePathPrefix = settings.OrtProfile,
        };

        var report = new StringBuilder();
        void Line(string text = "")
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        Console.Error.WriteLine($"Preparing {settings.Images} images…");
        var imagePaths = await BenchImages.PrepareAsync(settings.Images);
        var jpegs = imagePaths.Select(File.ReadAllBytes).ToList();
        var listFile = Path.Combine(RepoPaths.Data, "bench", $"classifier-images-{imagePaths.Count}.txt");
        await File.WriteAllLinesAsync(listFile, imagePaths);

        Line($"## Classifier benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Line();
        Line($"- Machine: {await MachineAsync()}");
        Line($"- Load average before the run (other work on the machine): {LoadAverage()}");
        Line($"- Runtime: .NET {RuntimeInformation.FrameworkDescription.Split(' ').Last()}, ONNX Runtime {OrtEnv.Instance().GetVersionString()} ({string.Join(", ", OrtEnv.Instance().GetAvailableProviders())})");
        Line($"- Model: {manifest.Name} {manifest.Version} ({manifest.Input.Width}×{manifest.Input.Height}, {manifest.Classes.Count} classes)");
        Line($"- Images: {imagePaths.Count} SFW 224×224 JPEG frames (GNOME backgrounds, ffmpeg patterns, openclipart), {jpegs.Average(j => j.Length) / 1024:F1} KB on average");
        Line($"- Settings: provider {options.ExecutionProvider}{string.Concat(options.CudaProviderOptions.Select(o => $" {o.Key}={o.Value}"))}, batches of up to {options.MaxBatchSize} / {options.MaxBatchWait.TotalMilliseconds} ms, {options.ConcurrentBatches} batches in flight, intra-op threads {(options.IntraOpThreads == 0 ? "auto" : options.IntraOpThreads)}, spinning {(options.AllowSpinning ? "on" : "off")}");
        Line();

        // The ceiling is ONNX Runtime at its best, whichever thread-spinning setting that takes on this machine. Raw
        // passes and service runs alternate for a few rounds and the best of each counts, so that other work on a
        // shared machine weighs on both sides alike and as little as possible.
        Console.Error.WriteLine("(a) raw ONNX Runtime: loading and decoding…");
        var rounds = settings.Rounds;
        var rawSeconds = TimeSpan.FromSeconds(settings.RawSeconds);
        var rawRuns = new[] { false, true }.Select(spinning => new RawOnnxBenchmark(CopyWithSpinning(options, spinning), jpegs)).ToList();
        ServiceBenchmark.Run? saturated = null;
        var saturations = new List<ServiceBenchmark.Run>();
        var paced = new List<ServiceBenchmark.Run>();
        DedicatedServers? dedicated = null;
        ServiceBenchmark? service = null;
        try
        {
            if (!settings.SkipService)
            {
                Console.Error.WriteLine("(b) classifier service through RabbitMQ: starting…");

                // A broker of the benchmark's own by default: traffic of other test runs on a shared one would be measured too.
                dedicated = settings.RabbitMq is not null || settings.SharedBroker ? null : await DedicatedServers.StartAsync();
                var rabbitMqUri = settings.RabbitMq
                    ?? dedicated?.RabbitMqUri
                    ?? await (await TestServers.GetAsync()).CreateVirtualHostAsync("bench");
                service = await ServiceBenchmark.StartAsync(rabbitMqUri, options, jpegs, Path.Combine(RepoPaths.Data, "bench", "classifier-service.log"));
                if (dedicated is not null && File.Exists(Path.Combine(dedicated.Directory, "rabbitmq", "pid")))
                {
                    var pid = int.Parse(File.ReadAllText(Path.Combine(dedicated.Directory, "rabbitmq", "pid")).Trim(), CultureInfo.InvariantCulture);
                    service.Broker = System.Diagnostics.Process.GetProcessById(pid);
                }

                await service.SaturateAsync("warm-up", options.MaxBatchSize * 8);
            }

            for (var round = 1; round <= rounds; round++)
            {
                Console.Error.WriteLine($"round {round} of {rounds}: raw ONNX Runtime…");
                foreach (var raw in rawRuns)
                {
                    raw.Measure(rawSeconds);
                }

                if (service is not null)
                {
                    Console.Error.WriteLine($"round {round} of {rounds}: service saturated…");
                    saturations.Add(await service.SaturateAsync($"saturation {round}", settings.SaturateFrames));
                }
            }

            if (service is not null)
            {
                saturated = saturations.MaxBy(r => r.ImagesPerSecond)!;
                var latencySeconds = TimeSpan.FromSeconds(settings.LatencySeconds);
                foreach (var load in new[] { 0.5, 1.0 })
                {
                    Console.Error.WriteLine($"service at {load:P0} of capacity…");
                    paced.Add(await service.PaceAsync($"{load:P0} of capacity", saturated.ImagesPerSecond * load, latencySeconds));
                }
            }
        }
        finally
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }

            if (dedicated is not null)
            {
                await dedicated.DisposeAsync();
            }
        }

        var best = rawRuns.MaxBy(r => r.ImagesPerSecond)!;
        best.MeasureSingle(TimeSpan.FromSeconds(3));
        (double Max, double Mean, int SameTopClass)? parity = best.Provider == nameof(ExecutionProviderKind.Cpu) ? null : ParityWithCpu(best, options, jpegs);
        var rawResults = rawRuns.Select(r => (r.Spinning, r.Provider, r.BatchSize, r.ImagesPerSecond, r.MedianImagesPerSecond, r.MsPerBatch, r.CpuMsPerImage, r.DecodeImagesPerSecond, r.SingleImagesPerSecond)).ToList();
        var rawBest = rawResults.MaxBy(r => r.ImagesPerSecond);
        foreach (var raw in rawRuns)
        {
            raw.Dispose();
        }

        var nsfwjs = new List<NsfwjsBenchmark.Result>();
        if (!settings.SkipNsfwjs)
        {
            foreach (var backend in new[] { "cpu", "wasm" })
            {
                Console.Error.WriteLine($"(c) nsfwjs, {backend} backend…");
                nsfwjs.Add(await NsfwjsBenchmark.RunAsync(backend, listFile, modelKey, TimeSpan.FromSeconds(settings.NsfwjsSeconds)));
            }
        }

        Line("| what | images/s | p50 ms | p95 ms | p99 ms |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var run in rawResults)
        {
            var isBest = run == rawBest;
            Line($"| {(isBest ? "(a) " : "")}raw ONNX Runtime, batch {run.BatchSize}, pre-decoded ({run.Provider}, spinning {(run.Spinning ? "on" : "off")}; median pass {run.MedianImagesPerSecond:F1}) | {(isBest ? $"**{run.ImagesPerSecond:F1}**" : $"{run.ImagesPerSecond:F1}")} | {run.MsPerBatch:F1} per batch | | |");
        }

        Line($"| raw ONNX Runtime, batch 1 | {rawBest.SingleImagesPerSecond:F1} | {1000 / rawBest.SingleImagesPerSecond:F1} | | |");
        Line($"| JPEG decode + resize alone ({options.EffectivePreprocessParallelism} threads) | {rawBest.DecodeImagesPerSecond:F0} | | | |");
        if (saturated is not null)
        {
            Line($"| (b) service through RabbitMQ, saturated ({saturated.Frames} frames; best of {string.Join(", ", saturations.Select(r => r.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture)))}) | **{saturated.ImagesPerSecond:F1}** | {saturated.P50Ms:F0} | {saturated.P95Ms:F0} | {saturated.P99Ms:F0} |");
            foreach (var run in paced)
            {
                Line($"| service at {run.Name} ({run.OfferedPerSecond:F0}/s offered, {run.Frames} frames) | {run.ImagesPerSecond:F1} | {run.P50Ms:F0} | {run.P95Ms:F0} | {run.P99Ms:F0} |");
            }
        }

        foreach (var result in nsfwjs)
        {
            Line($"| (c) nsfwjs 4.4.0, tfjs {result.Backend} backend, classify() per image ({result.Images} images) | {result.ImagesPerSecond:F2} | {result.P50Ms:F0} | {result.P95Ms:F0} | {result.P99Ms:F0} |");
        }

        Line();
        if (parity is not null)
        {
            Line($"Scores on {best.Provider} against the CPU build, same {jpegs.Count} images: largest difference of any class score {parity.Value.Max:F5}, mean {parity.Value.Mean:F6}; top class the same for {parity.Value.SameTopClass} of {jpegs.Count} images.");
            Line();
        }

        if (saturated is not null)
        {
            var cpu = saturated.Cpu;
            Line($"CPU time per image at saturation: classifier {cpu.ClassifierMsPerImage:F2} ms (it had {cpu.ClassifierPercent:F0} % of one core on average), "
                + $"broker {cpu.BrokerMsPerImage:F2} ms, benchmark client (publisher + result consumer) {cpu.ClientMsPerImage:F2} ms; raw ONNX Runtime {rawBest.CpuMsPerImage:F2} ms.");
            Line();
            Line($"- service / raw ONNX Runtime: **{saturated.ImagesPerSecond / rawBest.ImagesPerSecond:F2}×** (target ≥ 0.8×)");
            foreach (var result in nsfwjs)
            {
                Line($"- service / nsfwjs ({result.Backend}): **{saturated.ImagesPerSecond / result.ImagesPerSecond:F1}×**{(result.Backend == "cpu" ? " (target ≥ 5×)" : "")}");
            }
        }

        Line($"- Load average after the run: {LoadAverage()}");
        var output = Path.Combine(RepoPaths.Data, "bench", $"classifier-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(output, report.ToString());
        Console.Error.WriteLine($"Report written to {output}");
        return 0;
    }

    /// <summary>The same images through a CPU session: a GPU provider must agree with it to be trusted.</summary>
    private static (double Max, double Mean, int SameTopClass) ParityWithCpu(RawOnnxBenchmark gpu, ClassifierOptions options, IReadOnlyList<byte[]> jpegs)
    {
        var onGpu = gpu.Scores();
        var cpuOptions = CopyWithSpinning(options, spinning: false);
        cpuOptions.ExecutionProvider = ExecutionProviderKind.Cpu;
        cpuOptions.ProfilePathPrefix = null;
        using var cpu = new RawOnnxBenchmark(cpuOptions, jpegs);
        var onCpu = cpu.Scores();
        var differences = onGpu.Zip(onCpu, (g, c) => g.Zip(c, (a, b) => (double)Math.Abs(a - b)).Max()).ToList();
        var sameTop = onGpu.Zip(onCpu, (g, c) => Array.IndexOf(g, g.Max()) == Array.IndexOf(c, c.Max())).Count(same => same);
        return (differences.Max(), differences.Average(), sameTop);
    }

    private static ClassifierOptions CopyWithSpinning(ClassifierOptions options, bool spinning) => new()
    {
        ManifestPath = options.ManifestPath,
        ExecutionProvider = options.ExecutionProvider,
        DeviceId = options.DeviceId,
        MaxBatchSize = options.MaxBatchSize,
        IntraOpThreads = options.IntraOpThreads,
        InterOpThreads = options.InterOpThreads,
        PreprocessParallelism = options.PreprocessParallelism,
        AllowSpinning = spinning,
        CudaProviderOptions = options.CudaProviderOptions,
        ProfilePathPrefix = options.ProfilePathPrefix,
    };

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task<string> MachineAsync()
    {
        var cpu = "unknown CPU";
        try
        {
            var lscpu = await ProcessRunner.RunAsync("lscpu", [], TimeSpan.FromSeconds(10));
            cpu = lscpu.Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            cpu = RuntimeInformation.ProcessArchitecture.ToString();
        }

        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return string.Create(CultureInfo.InvariantCulture, $"{cpu}, {Environment.ProcessorCount} cores (nproc), {memory:F0} GiB, {RuntimeInformation.OSDescription}");
    }
}
