using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Moderation.Testing;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, installed by scripts/lib/deps.sh) on a free loopback port, scraping
/// the given targets every second with one job per service (as the ServiceMonitor's job label names them) and
/// evaluating the given rule files. Its data lives in a temporary directory removed on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public string LogPath => Path.Combine(_directory, "prometheus.log");

    /// <summary>Finds <c>prometheus</c> or <c>promtool</c> on PATH (or MODERATION_PROMETHEUS_DIR), else says how to install it.</summary>
    public static string Executable(string name)
    {
        var directories = new[] { Environment.GetEnvironmentVariable("MODERATION_PROMETHEUS_DIR") }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            .Where(d => !string.IsNullOrEmpty(d));
        return directories.Select(d => Path.Combine(d!, name)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{name} is not on PATH: install Debian's prometheus package (scripts/lib/deps.sh does), or set MODERATION_PROMETHEUS_DIR.");
    }

    /// <param name="targets">Job name → the base address of the service whose /metrics it scrapes.</param>
    /// <param name="ruleFiles">Prometheus rule files (plain groups, not PrometheusRule objects).</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, Uri> targets, IEnumerable<string>? ruleFiles = null)
    {
        var directory = Directory.CreateTempSubdirectory("moderation-prometheus-").FullName;
        var config = new StringBuilder();
        config.AppendLine("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s");
        config.AppendLine("rule_files:");
        foreach (var file in ruleFiles ?? [])
        {
            config.AppendLine($"- '{file}'");
        }

        config.AppendLine("scrape_configs:");
        foreach (var (job, address) in targets)
        {
            config.AppendLine($"- job_name: '{job}'\n  metrics_path: /metrics\n  static_configs:\n  - targets: ['{address.Authority}']");
        }

        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());
        await ProcessRunner.RunAsync(Executable("promtool"), ["check", "config", configPath], TimeSpan.FromMinutes(1));

        var port = FreePort();
        var info = new ProcessStartInfo(Executable("prometheus"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn", "--storage.tsdb.retention.time=1h",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start prometheus.");
        var log = new StreamWriter(Path.Combine(directory, "prometheus.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitUntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"prometheus exited with {process.ExitCode}: {server.Log()}");
                }

                try
                {
                    using var ready = await server._http.GetAsync("-/ready");
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(1), "prometheus to be ready");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query; throws with Prometheus's error when the expression does not parse or evaluate.</summary>
    public async Task<JsonArray> QueryAsync(string promql)
    {
        using var response = await _http.PostAsync("api/v1/query", new FormUrlEncodedContent([KeyValuePair.Create("query", promql)]));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (body["status"]?.GetValue<string>() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused `{promql}`: {body["errorType"]}: {body["error"]}");
        }

        return body["data"]!["result"]?.AsArray() ?? [];
    }

    /// <summary>A GET on the HTTP API (e.g. <c>api/v1/rules</c>), returning <c>data</c>.</summary>
    public async Task<JsonNode> GetAsync(string path)
    {
        var body = JsonNode.Parse(await _http.GetStringAsync(path))!;
        return body["status"]?.GetValue<string>() == "success" ? body["data"]! : throw new InvalidOperationException($"{path}: {body}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}. Prometheus log: {Log()}");
            }

            await Task.Delay(250);
        }
    }

    public string Log() => File.Exists(LogPath) ? ServiceProcess.Tail(LogPath, 40) : "";

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
