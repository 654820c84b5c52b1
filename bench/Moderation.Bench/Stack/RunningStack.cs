using System.Globalization;
using Moderation.Testing;
using Npgsql;

namespace Moderation.Bench.Stack;

/// <summary>
/// The stack that <c>scripts/up</c> started, found the way the scripts find it: the data directory
/// (<c>MODERATION_DATA</c>, else <c>&lt;root&gt;/.data</c>) holds the servers' connection strings (<c>servers/env</c>),
/// the benchmarks' API key (<c>secrets/bench-api-key</c>: client <c>bench</c>, whose stills are never judged by a
/// near-duplicate's decision, since benchmark pictures repeat from run to run; the demo key on stacks from before it)
/// and the services' pid files (<c>run/pids</c>); the ports are
/// scripts/lib/services.sh's (<c>INGEST_PORT</c>, default 5080). Benchmarks attach to it and start nothing.
/// </summary>
internal sealed class RunningStack
{
    public const string Ingest = "ingest";
    public const string FrameExtractor = "frame-extractor";
    public const string Classifier = "classifier";
    public const string Results = "results";

    private RunningStack(string root, string data, IReadOnlyDictionary<string, string> servers, string apiKey)
    {
        Root = root;
        Data = data;
        ApiKey = apiKey;
        ResultsDatabase = new NpgsqlConnectionStringBuilder(servers["MODERATION_POSTGRES"]) { Database = "moderation_results" }.ConnectionString;
        ServersDirectory = servers.GetValueOrDefault("MODERATION_SERVERS_DIR") ?? Path.Combine(data, "servers");
    }

    /// <summary>The repository the stack runs from (its services' assemblies live there).</summary>
    public string Root { get; }

    public string Data { get; }

    public string ServersDirectory { get; }

    public string ApiKey { get; }

    /// <summary>Npgsql connection string of the results database (read-only use: verdict and acceptance times).</summary>
    public string ResultsDatabase { get; }

    public string ModelDirectory => Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Data, "models");

    /// <summary><c>--stack &lt;repository root&gt;</c>, else <c>MODERATION_STACK_ROOT</c>, else this repository.</summary>
    public static RunningStack Find(string? root)
    {
        root = Path.GetFullPath(root ?? Environment.GetEnvironmentVariable("MODERATION_STACK_ROOT") ?? RepoPaths.Root);
        var data = Environment.GetEnvironmentVariable("MODERATION_DATA") is { Length: > 0 } d ? d : Path.Combine(root, ".data");
        var env = Path.Combine(data, "servers", "env");
        var key = Path.Combine(data, "secrets", "bench-api-key");
        if (!File.Exists(key))
        {
            key = Path.Combine(data, "secrets", "demo-api-key");
        }

        if (!File.Exists(env) || !File.Exists(key))
        {
            throw new InvalidOperationException($"No stack started by scripts/up under {data} ({env} or {key} missing): run scripts/up there, or pass --stack <repository root of the running stack>.");
        }

        return new RunningStack(root, data, ServersEnvironment.Read(env), File.ReadAllText(key).Trim());
    }

    public static int Port(string service) => service switch
    {
        Ingest => PortFrom("INGEST_PORT", 5080),
        FrameExtractor => PortFrom("EXTRACTOR_PORT", 5081),
        Classifier => PortFrom("CLASSIFIER_PORT", 5082),
        Results => PortFrom("RESULTS_PORT", 5090),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Unknown service."),
    };

    public static Uri BaseAddress(string service) => new($"http://127.0.0.1:{Port(service)}");

    /// <summary>An HTTP client for a service with the stack's benchmark API key.</summary>
    public HttpClient Client(string service, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress(service), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>The pid scripts/up wrote for a service, when that process is still alive.</summary>
    public int? ProcessId(string service)
    {
        var file = Path.Combine(Data, "run", "pids", service);
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}")
            ? pid
            : null;
    }

    /// <summary>Waits until every service answers <c>/health/ready</c> (the other services may be restarting).</summary>
    public static async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        foreach (var service in new[] { Results, Ingest, FrameExtractor, Classifier })
        {
            while (true)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(BaseAddress(service), "/health/ready"));
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{service} is not ready at {BaseAddress(service)} after {timeout}: is the stack up (scripts/up)?");
                }

                await Task.Delay(1000);
            }
        }
    }

    private static int PortFrom(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var port) ? port : fallback;
}
