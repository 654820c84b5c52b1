using System.Diagnostics;
using System.Globalization;
using System.Text;
using Moderation.Bench.Load;
using Moderation.Bench.Stack;

namespace Moderation.Bench.Stills;

/// <summary>
/// The whole running cluster (the stack scripts/up started; nothing is started here but the peer) on distinct 640×480
/// JPEG stills, against the peer a user would write: a Node script with sharp and onnxruntime-node running the same
/// model over the same files. Cluster throughput and time-to-verdict come from server timestamps only (ingest's
/// acceptance, results' verdict time, read from the results database), CPU per still from /proc around the
/// saturation phase. Then time-to-verdict at a fixed rate of half the measured capacity.
/// <code>Moderation.Bench stills [--count 1000] [--uploaders 8] [--warmup 50] [--skip-peer] [--latency-seconds 60] [--stack &lt;repo root&gt;] [--minutes 30]</code>
/// </summary>
internal static class StillsBenchmark
{
    public static async Task<int> RunAsync(StillsSettings settings)
    {
        var (count, uploaders, warmup, latencySeconds) = (settings.Count, settings.Uploaders, settings.Warmup, settings.LatencySeconds);
        var bound = TimeSpan.FromMinutes(settings.Minutes);

        var stack = RunningStack.Find(settings.Stack);
        Console.WriteLine($"stills: {count} distinct {StillImages.Width}x{StillImages.Height} JPEGs, {uploaders} uploaders, warm-up {warmup}, latency phase {latencySeconds:0} s; stack {stack.Root}; {Environment.ProcessorCount} cores");
        var images = await StillImages.PrepareAsync(count + warmup);
        var measured = images.Take(count).ToList();
        var manifest = Path.Combine(stack.ModelDirectory, "mobilenet_v2", "model.json");

        StillsPeer.Result? peer = null;
        (double BusySeconds, double Seconds) peerMachine = (double.NaN, double.NaN);
        if (!settings.SkipPeer)
        {
            var machineBefore = StackCpu.Take(stack);
            var peerClock = Stopwatch.StartNew();
            peer = await StillsPeer.RunAsync(manifest, measured);
            peerMachine = (StackCpu.MachineMilliseconds(machineBefore, StackCpu.Take(stack)) / 1000, peerClock.Elapsed.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peer: {peer.Images} images in {peer.Seconds:0.0} s = {peer.ImagesPerSecond:0.0} images/s, {peer.CpuMsPerImage:0.0} CPU ms per image"));
        }

        await RunningStack.WaitReadyAsync(TimeSpan.FromMinutes(3));
        var runId = $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..23];
        using var http = stack.Client(RunningStack.Ingest);
        using var stop = new CancellationTokenSource(bound);

        if (warmup > 0)
        {
            var warm = await SubmitAsync(http, Bodies(images.Skip(count), runId, "warmup"), uploaders, null, stop.Token);
            var warmed = await MediaUploads.WaitForVerdictsAsync(stack.ResultsDatabase, warm, stop.Token, TimeSpan.FromSeconds(1));
            Console.WriteLine($"warm-up: {warm.Count} submitted, {warmed.Verdicts} verdicts, {warmed.Failures} failures");
        }

        var bodies = Bodies(measured, runId, "saturation");
        var cpuBefore = StackCpu.Take(stack);
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var ids = await SubmitAsync(http, bodies, uploaders, null, stop.Token);
        var submitted = clock.Elapsed;
        var saturation = await MediaUploads.WaitForVerdictsAsync(stack.ResultsDatabase, ids, stop.Token, TimeSpan.FromSeconds(1));
        var cpuAfter = StackCpu.Take(stack);
        var clientSeconds = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds;
        var cpu = StackCpu.Between(cpuBefore, cpuAfter);
        var machineMs = StackCpu.MachineMilliseconds(cpuBefore, cpuAfter);
        var phaseSeconds = clock.Elapsed.TotalSeconds;
        var throughput = saturation.Verdicts / saturation.ServerSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"saturation: {ids.Count} submitted in {submitted.TotalSeconds:0.0} s; {saturation.Verdicts} verdicts, {saturation.Failures} failures, {saturation.Frames} scored by the model; first acceptance → last verdict {saturation.ServerSeconds:0.0} s = {throughput:0.00} images/s"));

        Latency? latency = null;
        if (latencySeconds > 0 && throughput > 0)
        {
            var rate = throughput / 2;
            var n = Math.Max(1, (int)Math.Round(rate * latencySeconds));
            var paced = await SubmitAsync(http, Bodies(Enumerable.Range(0, n).Select(i => measured[i % measured.Count]), runId, "latency"), uploaders, rate, stop.Token);
            var outcome = await MediaUploads.WaitForVerdictsAsync(stack.ResultsDatabase, paced, stop.Token, TimeSpan.FromSeconds(1));
            latency = new Latency(rate, paced.Count, outcome.Verdicts, outcome.Failures,
                MediaUploads.Percentile(outcome.LatenciesMs, 0.50), MediaUploads.Percentile(outcome.LatenciesMs, 0.95), MediaUploads.Percentile(outcome.LatenciesMs, 0.99),
                [Stage("acceptance → frame classified", outcome.Stages.AcceptedToClassifiedMs),
                 Stage("frame classified → received by results", outcome.Stages.ClassifiedToReceivedMs),
                 Stage("received → verdict committed", outcome.Stages.ReceivedToDecidedMs)]);
        }

        var report = new Report(DateTime.UtcNow, Environment.ProcessorCount, count, uploaders, peer, peerMachine.BusySeconds, peerMachine.Seconds,
            new Saturation(ids.Count, saturation.Verdicts, saturation.Failures, saturation.Frames, saturation.ServerSeconds, throughput,
                MediaUploads.Percentile(saturation.LatenciesMs, 0.50), MediaUploads.Percentile(saturation.LatenciesMs, 0.95), MediaUploads.Percentile(saturation.LatenciesMs, 0.99),
                cpu.ToDictionary(u => u.Part, u => u.Milliseconds is { } ms ? ms / Math.Max(1, ids.Count) : (double?)null),
                phaseSeconds, machineMs / 1000, cpu.Sum(u => u.Milliseconds ?? 0) / 1000, clientSeconds),
            latency);
        var markdown = Markdown(report);
        Console.WriteLine();
        Console.WriteLine(markdown);
        ResultFiles.Save("stills", report.FinishedAt, report, markdown);
        return saturation.Verdicts + saturation.Failures == ids.Count && ids.Count == count ? 0 : 1;
    }

    /// <param name="Scored">Frames the model scored: fewer than the verdicts when known content (a bank, a near-duplicate) decided some stills.</param>
    private sealed record Saturation(int Submitted, int Verdicts, int Failures, long Scored, double ServerSeconds, double ImagesPerSecond,
        double P50Ms, double P95Ms, double P99Ms, Dictionary<string, double?> CpuMsPerStill,
        double SnapshotSeconds, double MachineCpuSeconds, double StackCpuSeconds, double ClientCpuSeconds);

    private sealed record Latency(double RatePerSecond, int Submitted, int Verdicts, int Failures, double P50Ms, double P95Ms, double P99Ms, StageLatency[] Stages);

    private sealed record StageLatency(string Stage, double P50Ms, double P95Ms, double P99Ms, double MaxMs);

    private static StageLatency Stage(string name, List<double> sorted) =>
        new(name, MediaUploads.Percentile(sorted, 0.50), MediaUploads.Percentile(sorted, 0.95), MediaUploads.Percentile(sorted, 0.99), sorted.Count > 0 ? sorted[^1] : double.NaN);

    private sealed record Report(DateTime FinishedAt, int Cores, int Count, int Uploaders, StillsPeer.Result? Peer, double PeerMachineCpuSeconds, double PeerSnapshotSeconds,
        Saturation Cluster, Latency? Latency);

    /// <summary>The pictures as this run will send them: bytes unique to the run and phase (see <see cref="StillImages.Unique"/>).</summary>
    private static List<(string Name, byte[] Bytes)> Bodies(IEnumerable<string> files, string runId, string phase) =>
        [.. files.Select((file, i) => (Path.GetFileName(file), StillImages.Unique(File.ReadAllBytes(file), runId, $"{phase}-{i}")))];

    /// <summary>
    /// Submits every body with <paramref name="uploaders"/> concurrent uploaders: as fast as they go, or each at its due
    /// time (i / rate) when <paramref name="ratePerSecond"/> is given. Returns the accepted media ids.
    /// </summary>
    private static async Task<List<Guid>> SubmitAsync(HttpClient http, List<(string Name, byte[] Bytes)> bodies, int uploaders, double? ratePerSecond, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        var started = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, uploaders).Select(async _ =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= bodies.Count)
                {
                    return;
                }

                if (ratePerSecond is { } rate && TimeSpan.FromSeconds(i / rate) - started.Elapsed is { } due && due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                var (name, bytes) = bodies[i];
                if (await MediaUploads.SubmitAsync(http, name, () => new MemoryStream(bytes, writable: false), cancellationToken) is { } id)
                {
                    lock (ids)
                    {
                        ids.Add(id);
                    }
                }
            }
        }));
        return ids;
    }

    private static string Markdown(Report r)
    {
        var c = r.Cluster;
        var total = c.CpuMsPerStill.Values.All(v => v is not null) ? c.CpuMsPerStill.Values.Sum(v => v!.Value) : (double?)null;
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"Whole-cluster stills, {r.FinishedAt:yyyy-MM-dd HH:mm} UTC, {r.Cores} cores, {r.Count} distinct 640×480 JPEGs, {r.Uploaders} uploaders");
        s.AppendLine();
        s.AppendLine("| | images/s | CPU ms per image | time-to-verdict p50 / p95 / p99 |");
        s.AppendLine("|---|---:|---:|---|");
        if (r.Peer is { } p)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| peer: sharp + onnxruntime-node, batches of 8 | {p.ImagesPerSecond:0.0} | {p.CpuMsPerImage:0.0} | – |");
        }

        s.AppendLine(CultureInfo.InvariantCulture, $"| cluster, saturation ({c.Verdicts} verdicts, {c.Failures} failures, {c.Scored} scored by the model, {c.ServerSeconds:0.0} s first acceptance → last verdict) | {c.ImagesPerSecond:0.00} | {Ms(total)} | {Seconds(c.P50Ms)} / {Seconds(c.P95Ms)} / {Seconds(c.P99Ms)} |");
        if (r.Latency is { } l)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| cluster, fixed rate {l.RatePerSecond:0.00}/s = 50 % of saturation ({l.Verdicts} verdicts of {l.Submitted}, {l.Failures} failures) | – | – | {Seconds(l.P50Ms)} / {Seconds(l.P95Ms)} / {Seconds(l.P99Ms)} |");
        }

        if (r.Peer is { } peer)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"cluster / peer: {c.ImagesPerSecond / peer.ImagesPerSecond:0.000} in images/s (the peer is {peer.ImagesPerSecond / c.ImagesPerSecond:0.0}× faster); CPU per image {Ms(total)} / {peer.CpuMsPerImage:0.0} ms = {(total ?? double.NaN) / peer.CpuMsPerImage:0.0}×");
        }

        s.AppendLine();
        s.AppendLine("| process (saturation phase) | CPU ms per still |");
        s.AppendLine("|---|---:|");
        foreach (var (part, ms) in c.CpuMsPerStill)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {part} | {Ms(ms)} |");
        }

        s.AppendLine(CultureInfo.InvariantCulture, $"| **total** | **{Ms(total)}** |");
        if (r.Latency is { Stages.Length: > 0 } stages)
        {
            s.AppendLine();
            s.AppendLine("| where time-to-verdict goes at 50 % (server timestamps) | p50 ms | p95 ms | p99 ms | max ms |");
            s.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var stage in stages.Stages)
            {
                s.AppendLine(CultureInfo.InvariantCulture, $"| {stage.Stage} | {stage.P50Ms:0} | {stage.P95Ms:0} | {stage.P99Ms:0} | {stage.MaxMs:0} |");
            }
        }

        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture,
            $"Over the {c.SnapshotSeconds:0.0} s between the CPU snapshots the machine was busy {c.MachineCpuSeconds:0.0} core-seconds of {c.SnapshotSeconds * r.Cores:0.0}: the stack {c.StackCpuSeconds:0.0}, this client {c.ClientCpuSeconds:0.0}, anything else on the machine {c.MachineCpuSeconds - c.StackCpuSeconds - c.ClientCpuSeconds:0.0}.");
        if (r.Peer is { } peerRun)
        {
            s.AppendLine(CultureInfo.InvariantCulture,
                $"While the peer ran ({r.PeerSnapshotSeconds:0.0} s, npm check and Node start included) the machine was busy {r.PeerMachineCpuSeconds:0.0} core-seconds of {r.PeerSnapshotSeconds * r.Cores:0.0}, the peer's own {peerRun.CpuMsPerImage * peerRun.Images / 1000:0.0} of it in the timed loop.");
        }
        return s.ToString();
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a (restarted)";

    private static string Seconds(double ms) => double.IsNaN(ms) ? "–" : (ms / 1000).ToString("0.00 s", CultureInfo.InvariantCulture);
}
