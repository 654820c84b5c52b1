using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Moderation.Testing;

namespace Moderation.Bench;

/// <summary>
/// Starts the built ingest service as its own process on loopback (real RabbitMQ and Postgres from the test servers),
/// streams a generated upload of N GiB into <c>POST /media</c> — first as a raw body, then as multipart — and reports the
/// process's resident set: baseline after start, the highest sample during each upload, and the kernel's high-water mark
/// (VmHWM). Streaming means the peak stays flat as the upload grows.
/// </summary>
public static class UploadMemoryBenchmark
{
    private const int ChunkBytes = 1024 * 1024;

    public static async Task<int> RunAsync(UploadMemorySettings settings)
    {
        var length = (long)(settings.Gib * 1024 * 1024 * 1024);
        var dll = FindIngest();
        var servers = await TestServers.GetAsync();
        var blobs = Directory.CreateTempSubdirectory("bench-upload-blobs-").FullName;
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__rabbitmq"] = await servers.CreateVirtualHostAsync("bench"),
            ["ConnectionStrings__postgres"] = await servers.CreateDatabaseAsync("bench"),
            ["Database__MigrateOnStart"] = "true",
            ["BlobStore__Root"] = blobs,
            ["Intake__MaxVideoBytes"] = (length + ChunkBytes).ToString(CultureInfo.InvariantCulture),
            // Nothing answers de-duplication or drains queues here; measure intake alone.
            ["Deduplication__Enabled"] = "false",
            ["BackPressure__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        try
        {
            var key = (await RunOnceAsync(dll, env, "keys", "create", "--client", "bench", "--scopes", "submit", "--quiet")).Trim();
            await using var service = ServiceProcess.Start("ingest", dll, env, Path.Combine(blobs, "ingest.log"));
            await service.WaitReadyAsync(TimeSpan.FromMinutes(1));
            var ingest = service.Process;
            using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            await Task.Delay(2000);
            var baseline = Memory(ingest.Id);

            var raw = await MeasureAsync(ingest, () => http.PostAsync("/media", new GeneratedMp4Content(length)));
            var multipart = await MeasureAsync(ingest, () =>
            {
                var form = new MultipartFormDataContent { { new GeneratedMp4Content(length), "file", "bench.mp4" } };
                return http.PostAsync("/media", form);
            });
            var final = Memory(ingest.Id);
            service.Kill();

            var stored = Directory.EnumerateFiles(Path.Combine(blobs, "media"), "*", SearchOption.AllDirectories).Single();
            Console.WriteLine($"Upload of {length:N0} bytes ({settings.Gib:0.##} GiB) into ingest, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
            Console.WriteLine($"Stored blob: {new FileInfo(stored).Length:N0} bytes");
            Console.WriteLine();
            Console.WriteLine("| phase | elapsed | throughput | peak RSS sampled |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine($"| idle after start | – | – | {Mib(baseline.Rss)} |");
            Console.WriteLine(Row("raw body (Content-Length)", raw, length));
            Console.WriteLine(Row("multipart/form-data", multipart, length));
            Console.WriteLine();
            Console.WriteLine($"Process high-water mark (VmHWM) over the whole run: {Mib(final.HighWaterMark)}");
            return 0;
        }
        finally
        {
            Directory.Delete(blobs, recursive: true);
        }
    }

    private static string Row(string phase, Phase result, long length) =>
        $"| {phase} | {result.Elapsed.TotalSeconds:0.0} s | {length / 1024.0 / 1024 / result.Elapsed.TotalSeconds:0} MiB/s | {Mib(result.PeakRss)} |";

    private static string Mib(long bytes) => $"{bytes / 1024.0 / 1024:0} MiB";

    private static async Task<Phase> MeasureAsync(Process ingest, Func<Task<HttpResponseMessage>> upload)
    {
        using var stop = new CancellationTokenSource();
        var peak = 0L;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Memory(ingest.Id).Rss);
                await Task.Delay(50);
            }
        });
        var watch = Stopwatch.StartNew();
        using var response = await upload();
        watch.Stop();
        await stop.CancelAsync();
        await sampler;
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}: {body}");
        }

        return new Phase(watch.Elapsed, peak);
    }

    /// <summary>Resident set now and its high-water mark, from /proc (Linux).</summary>
    private static (long Rss, long HighWaterMark) Memory(int pid)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kib(line);
            }
        }

        return (rss, hwm);

        static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string FindIngest()
    {
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var path = Path.Combine(RepoPaths.Root, "services", "ingest", "bin", configuration, "net10.0", "Moderation.Ingest.dll");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException("Build ingest first: dotnet build services/ingest -c Release");
    }

    private static async Task<string> RunOnceAsync(string dll, Dictionary<string, string> env, params string[] arguments)
    {
        var info = ServiceProcess.StartInfo(dll, env, arguments);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start ingest.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await stdout : throw new InvalidOperationException(await stderr);
    }

    private sealed record Phase(TimeSpan Elapsed, long PeakRss);

    /// <summary>
    /// An MP4-looking body (an <c>ftyp isom</c> box, then incompressible pseudo-random bytes) produced chunk by chunk as it
    /// is sent, so the benchmark itself never holds the upload in memory either.
    /// </summary>
    private sealed class GeneratedMp4Content : HttpContent
    {
        private readonly long _length;

        public GeneratedMp4Content(long length)
        {
            _length = length;
            Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var random = new Random(42);
            var chunk = new byte[ChunkBytes];
            for (long sent = 0; sent < _length; sent += chunk.Length)
            {
                random.NextBytes(chunk);
                if (sent == 0)
                {
                    ((ReadOnlySpan<byte>)[0, 0, 0, 0x18, .. "ftypisom"u8, 0, 0, 2, 0, .. "isomiso2"u8]).CopyTo(chunk);
                }

                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, _length - sent)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
