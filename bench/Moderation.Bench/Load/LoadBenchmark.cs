using System.Diagnostics;
using System.Globalization;
using Moderation.Testing;
using Npgsql;

namespace Moderation.Bench.Load;

/// <summary>
/// The whole cluster under load, loopback only, bounded in count and time: N distinct media (mostly images, some short
/// videos) submitted through ingest as fast as a bounded number of uploaders can (the saturation point), then at a fixed
/// rate below it; with <c>--chaos</c>, workers are killed (-9) and restarted throughout, and the run ends with the
/// exactly-once count: submitted, verdicts, failures, lost, duplicated (read from the results database).
/// Time-to-verdict is the results service's own measure: verdict time minus ingest's acceptance time.
/// <c>--soak</c> instead offers all N media at one fixed <c>--rate</c> and prints a line per window: throughput,
/// time-to-verdict, media in flight and each service's resident memory, so drift and leaks show over a long run.
/// </summary>
internal static class LoadBenchmark
{
    public static async Task<int> RunAsync(LoadSettings settings)
    {
        var (media, videoShare, uploaders, chaos, extractorConcurrency) = (settings.Media, settings.VideoShare, settings.Uploaders, settings.Chaos, settings.ExtractorConcurrency);
        var deadline = TimeSpan.FromMinutes(settings.Minutes);
        var stopwatch = Stopwatch.StartNew();

        Console.WriteLine($"load: {media} media ({videoShare:P0} videos), {uploaders} uploaders, chaos {(chaos ? "on" : "off")}, bound {deadline}");
        var files = await GenerateMediaAsync(media, videoShare);
        await using var cluster = await Cluster.StartAsync((service, env) =>
        {
            if (service == Cluster.Ingest)
            {
                // The benchmark measures the pipeline, not admission control.
                env["BackPressure__Enabled"] = "false";
            }

            if (service == Cluster.FrameExtractor && extractorConcurrency > 0)
            {
                env["Extraction__MaxConcurrentMedia"] = extractorConcurrency.ToString(CultureInfo.InvariantCulture);
            }
        });

        if (settings.Soak)
        {
            var soaked = await SoakAsync(cluster, files, uploaders, settings.Rate, chaos, TimeSpan.FromMinutes(settings.WindowMinutes), deadline - stopwatch.Elapsed);
            Console.WriteLine($"exactly-once: submitted {soaked.Submitted}, verdicts {soaked.Verdicts}, failures {soaked.Failures}, lost {soaked.Lost}, duplicated {soaked.Duplicated}");
            return soaked.Lost == 0 && soaked.Duplicated == 0 ? 0 : 1;
        }

        var half = files.Count / 2;
        var saturated = await SubmitAsync(cluster, files.Take(half).ToList(), uploaders, ratePerSecond: null, chaos, deadline - stopwatch.Elapsed);
        Report("as fast as possible", saturated);
        var rate = Math.Max(0.5, saturated.Throughput * 0.5);
        var paced = await SubmitAsync(cluster, files.Skip(half).ToList(), uploaders, rate, chaos, deadline - stopwatch.Elapsed);
        Report($"fixed rate {rate:0.0}/s (50 % of saturation)", paced);
        Console.WriteLine($"saturation point: {saturated.Throughput:0.00} media/s ({saturated.FramesPerSecond:0.0} frames/s) on {Environment.ProcessorCount} cores");
        var lost = saturated.Lost + paced.Lost;
        var duplicated = saturated.Duplicated + paced.Duplicated;
        Console.WriteLine($"exactly-once: submitted {saturated.Submitted + paced.Submitted}, verdicts {saturated.Verdicts + paced.Verdicts}, failures {saturated.Failures + paced.Failures}, lost {lost}, duplicated {duplicated}");
        return lost == 0 && duplicated == 0 ? 0 : 1;
    }

    /// <summary>One fixed rate for the whole run, with a report line per window while it runs.</summary>
    private static async Task<Phase> SoakAsync(Cluster cluster, List<string> files, int uploaders, double rate, bool chaos, TimeSpan window, TimeSpan bound)
    {
        using var stop = new CancellationTokenSource();
        var reporter = ReportWindowsAsync(cluster, window, stop.Token);
        var phase = await SubmitAsync(cluster, files, uploaders, rate, chaos, bound);
        await stop.CancelAsync();
        await reporter;
        Report($"soak at {rate:0.0}/s", phase);
        return phase;
    }

    private static async Task ReportWindowsAsync(Cluster cluster, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var data = NpgsqlDataSource.Create(cluster.ResultsDatabase);
        var started = DateTime.UtcNow;
        var from = started;
        Console.WriteLine("| elapsed | verdicts in window | media/s | time-to-verdict p50 / p95 / max | in flight | verdicts / failures / duplicated so far | RSS ingest / extractor / classifier / results |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(window, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var to = DateTime.UtcNow;
            try
            {
                await using var command = data.CreateCommand("""
                    SELECT count(*), coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY l), 0), coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY l), 0),
                           coalesce(max(l), 0), (SELECT count(*) FROM media WHERE state NOT IN ('completed', 'failed')),
                           (SELECT count(*) FROM verdicts), (SELECT count(*) FROM media WHERE state = 'failed'),
                           (SELECT count(*) FROM (SELECT media_id FROM verdicts GROUP BY media_id HAVING count(*) > 1) d)
                    FROM (SELECT extract(epoch FROM v.decided_at - m.submitted_at) * 1000 AS l
                          FROM verdicts v JOIN media m ON m.id = v.media_id WHERE v.decided_at >= $1 AND v.decided_at < $2) w
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = from });
                command.Parameters.Add(new NpgsqlParameter { Value = to });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                var count = reader.GetInt64(0);
                var rss = string.Join(" / ", new[] { Cluster.Ingest, Cluster.FrameExtractor, Cluster.Classifier, Cluster.Results }.Select(s => Mib(cluster, s)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(to - started).TotalMinutes:0.0} min | {count} | {count / (to - from).TotalSeconds:0.00} | {reader.GetDouble(1):0} / {reader.GetDouble(2):0} / {reader.GetDouble(3):0} ms | {reader.GetInt64(4)} | {reader.GetInt64(5)} / {reader.GetInt64(6)} / {reader.GetInt64(7)} | {rss} |"));
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
            {
                Console.WriteLine($"| {(to - started).TotalMinutes:0.0} min | (results database unavailable: {e.Message}) |");
            }

            from = to;
        }
    }

    /// <summary>Resident memory of a service's current process, from /proc.</summary>
    private static string Mib(Cluster cluster, string service)
    {
        try
        {
            var line = File.ReadLines($"/proc/{cluster.ProcessId(service)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024} MiB";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return "–";
        }
    }

    private sealed record Phase(int Submitted, int Verdicts, int Failures, int Lost, int Duplicated, double Seconds, double Throughput, double FramesPerSecond, double P50, double P95, double P99);

    private static void Report(string name, Phase p) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-40} {p.Submitted} media in {p.Seconds:0.0} s: {p.Throughput:0.00} media/s, {p.FramesPerSecond:0.0} frames/s; time-to-verdict p50 {p.P50:0} ms, p95 {p.P95:0} ms, p99 {p.P99:0} ms; verdicts {p.Verdicts}, failures {p.Failures}, lost {p.Lost}, duplicated {p.Duplicated}"));

    /// <summary>Distinct content (so de-duplication never short-cuts the work): testsrc2 frames and short clips of distinct sizes.</summary>
    private static async Task<List<string>> GenerateMediaAsync(int count, double videoShare)
    {
        var videos = (int)Math.Round(count * videoShare);
        var stills = count - videos;
        var dir = Path.Combine(RepoPaths.Data, "bench", "load", $"stills-{stills}");
        if (!Directory.Exists(dir) || Directory.GetFiles(dir).Length < stills)
        {
            Directory.CreateDirectory(dir);
            await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25",
                "-frames:v", stills.ToString(CultureInfo.InvariantCulture), "-q:v", "4", Path.Combine(dir, "still-%05d.jpg")], TimeSpan.FromMinutes(10));
        }

        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Take(stills).ToList();
        for (var i = 0; i < videos; i++)
        {
            // Distinct dimensions make distinct content; kept small however many videos there are.
            files.Add(await TestMedia.VideoAsync(6, 160 + (2 * (i % 200)), 120 + (2 * (i / 200)), 10, 2));
        }

        return [.. files.OrderBy(f => f.GetHashCode(StringComparison.Ordinal))];
    }

    private static async Task<Phase> SubmitAsync(Cluster cluster, List<string> files, int uploaders, double? ratePerSecond, bool chaos, TimeSpan bound)
    {
        using var http = cluster.Client(Cluster.Ingest);
        var ids = new List<Guid>();
        var started = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(bound);
        var chaosTask = chaos ? ChaosAsync(cluster, stop.Token) : Task.CompletedTask;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, uploaders).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= files.Count)
                {
                    return;
                }

                if (ratePerSecond is { } rate)
                {
                    var due = TimeSpan.FromSeconds(i / rate) - started.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, stop.Token);
                    }
                }

                if (await MediaUploads.SubmitAsync(http, Path.GetFileName(files[i]), () => File.OpenRead(files[i]), stop.Token) is { } id)
                {
                    lock (ids)
                    {
                        ids.Add(id);
                    }
                }
            }
        }));

        var (verdicts, failures, duplicated, frames, latencies, _, _, _) = await MediaUploads.WaitForVerdictsAsync(cluster.ResultsDatabase, ids, stop.Token);
        await stop.CancelAsync();
        await chaosTask;
        var seconds = started.Elapsed.TotalSeconds;
        return new Phase(ids.Count, verdicts, failures, ids.Count - verdicts - failures, duplicated, seconds, (verdicts + failures) / seconds, frames / seconds,
            MediaUploads.Percentile(latencies, 0.50), MediaUploads.Percentile(latencies, 0.95), MediaUploads.Percentile(latencies, 0.99));
    }

    /// <summary>Every 20 s, kill -9 the classifier or the frame extractor and restart it.</summary>
    private static async Task ChaosAsync(Cluster cluster, CancellationToken cancellationToken)
    {
        var victims = new[] { Cluster.Classifier, Cluster.FrameExtractor };
        for (var round = 0; !cancellationToken.IsCancellationRequested; round++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var victim = victims[round % victims.Length];
            Console.WriteLine($"chaos: kill -9 {victim}");
            cluster.Kill(victim);
            // As Kubernetes does with a crashed pod: start it again until it comes up (a start can fail while the
            // broker is busy, e.g. recovering the dead worker's unacknowledged messages).
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await cluster.RestartAsync(victim);
                    break;
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException && !cancellationToken.IsCancellationRequested)
                {
                    Console.WriteLine($"chaos: {victim} did not come back (attempt {attempt}: {e.Message.Split('\n')[0]}); starting it again in 5 s");
                    await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
                }
            }
        }
    }
}
