using System.Diagnostics;
using System.Security.Cryptography;

namespace Moderation.Testing;

/// <summary>What a cluster's services need besides the settings catalogue: servers, databases, files, secrets.</summary>
public sealed record ClusterEndpoints(string RabbitMqUri, string IngestDatabase, string ResultsDatabase, string Directory, string ManifestPath, string CallbackSecret);

/// <summary>
/// The four services as real processes (the built assemblies, as scripts/up runs them) against the shared real servers,
/// isolated in a fresh virtual host, fresh databases and a fresh blob directory. Tests may kill and restart any service.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    public const string Ingest = "ingest";
    public const string FrameExtractor = "frame-extractor";
    public const string Classifier = "classifier";
    public const string Results = "results";
    public static readonly IReadOnlyList<string> Services = [Results, Ingest, FrameExtractor, Classifier];

    private readonly Dictionary<string, ServiceProcess> _processes = [];
    private readonly List<ServiceProcess> _exited = [];
    private readonly Dictionary<string, Dictionary<string, string>> _environment = [];

    private Cluster(string directory) => Directory = directory;

    /// <summary>Scratch directory of this cluster: blobs, logs.</summary>
    public string Directory { get; }

    public string RabbitMqUri { get; private set; } = "";

    public string ResultsDatabase { get; private set; } = "";

    public string IngestDatabase { get; private set; } = "";

    public string CallbackSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>An API key with every scope, created with ingest's CLI.</summary>
    public string ApiKey { get; private set; } = "";

    public Uri BaseAddress(string service) => _processes[service].BaseAddress;

    /// <summary>The service's temporary directory (its TMPDIR), so tests can prove nothing is left behind.</summary>
    public string TempDirectory(string service) => Path.Combine(Directory, "tmp", service);

    /// <summary>The operating-system process id of the service's current process (for its memory and CPU).</summary>
    public int ProcessId(string service) => _processes[service].Process.Id;

    /// <summary>Whether the service's process is still running (no crash).</summary>
    public bool IsRunning(string service) => _processes.TryGetValue(service, out var p) && !p.Process.HasExited;

    /// <summary>
    /// Starts a cluster on the shared servers (fresh vhost and databases), or on <paramref name="dedicated"/> servers that
    /// the test may stop and restart. <paramref name="configure"/> may add or override settings per service (env-var keys).
    /// </summary>
    public static async Task<Cluster> StartAsync(
        Action<string, IDictionary<string, string>>? configure = null, IEnumerable<string>? services = null, DedicatedServers? dedicated = null)
    {
        var cluster = new Cluster(System.IO.Directory.CreateTempSubdirectory("moderation-cluster-").FullName);
        if (dedicated is null)
        {
            var servers = await TestServers.GetAsync();
            cluster.RabbitMqUri = await servers.CreateVirtualHostAsync("cluster");
            cluster.ResultsDatabase = await servers.CreateDatabaseAsync("results");
            cluster.IngestDatabase = await servers.CreateDatabaseAsync("ingest");
        }
        else
        {
            cluster.RabbitMqUri = dedicated.RabbitMqUri;
            cluster.ResultsDatabase = await TestServers.CreateDatabaseAsync(dedicated.PostgresConnectionString, "results");
            cluster.IngestDatabase = await TestServers.CreateDatabaseAsync(dedicated.PostgresConnectionString, "ingest");
        }

        var manifest = await TestModel.ManifestPathAsync();

        foreach (var service in Services)
        {
            var env = cluster.BaseEnvironment(service, manifest);
            configure?.Invoke(service, env);
            cluster._environment[service] = env;
        }

        cluster.ApiKey = (await cluster.RunOnceAsync(Ingest, "keys", "create", "--client", "tests", "--scopes", "submit,read,review,admin", "--quiet")).Trim();
        try
        {
            var selected = (services ?? Services).ToList();
            foreach (var service in selected)
            {
                cluster.Start(service);
            }

            await Task.WhenAll(selected.Select(s => cluster.WaitReadyAsync(s, TimeSpan.FromMinutes(2))));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    private Dictionary<string, string> BaseEnvironment(string service, string manifest)
    {
        System.IO.Directory.CreateDirectory(TempDirectory(service));
        return ServiceEnvironment(service, new ClusterEndpoints(RabbitMqUri, IngestDatabase, ResultsDatabase, Directory, manifest, CallbackSecret));
    }

    /// <summary>
    /// The settings a cluster gives <paramref name="service"/> before a test's own: the settings catalogue
    /// (deploy/settings, as scripts/up, compose and Kubernetes read it), then what is particular to a test cluster.
    /// </summary>
    public static Dictionary<string, string> ServiceEnvironment(string service, ClusterEndpoints endpoints)
    {
        var env = new Dictionary<string, string>(SettingsCatalogue.For(service), StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_gcServer"] = "0",
            ["ConnectionStrings__rabbitmq"] = endpoints.RabbitMqUri,
            ["TMPDIR"] = Path.Combine(endpoints.Directory, "tmp", service),
        };
        var blobs = Path.Combine(endpoints.Directory, "blobs");
        switch (service)
        {
            case Ingest:
                env["ConnectionStrings__postgres"] = endpoints.IngestDatabase;
                env["Database__MigrateOnStart"] = "true";
                env["BlobStore__Root"] = blobs;
                break;
            case FrameExtractor:
                env["BlobStore__Root"] = blobs;
                break;
            case Classifier:
                env["Classifier__ManifestPath"] = endpoints.ManifestPath;
                env["BlobStore__Root"] = blobs;
                break;
            case Results:
                env["ConnectionStrings__postgres"] = endpoints.ResultsDatabase;
                env["Database__MigrateOnStart"] = "true";
                env["BlobStore__Root"] = blobs;
                env["Callbacks__Secret"] = endpoints.CallbackSecret;
                break;
        }

        return env;
    }

    /// <summary>Runs a service's one-shot command (e.g. <c>migrate</c>, <c>keys create</c>) with the cluster's settings.</summary>
    public async Task<string> RunOnceAsync(string service, params string[] arguments)
    {
        var info = ServiceProcess.StartInfo(AssemblyPath(service), _environment[service], arguments);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {service}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{service} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }

        return await stdout;
    }

    public void Start(string service)
    {
        if (_processes.TryGetValue(service, out var running) && !running.HasExited)
        {
            return;
        }

        // A restarted service keeps its address, so clients made before the restart still reach it.
        if (running is not null)
        {
            _exited.Add(running);
        }

        _processes[service] = ServiceProcess.Start(service, AssemblyPath(service), _environment[service], LogPath(service), running?.Port ?? 0);
    }

    /// <summary>kill -9: no graceful shutdown, in-flight work is lost to the process.</summary>
    public void Kill(string service) => _processes[service].Kill();

    /// <summary>SIGTERM and wait for a graceful exit.</summary>
    public Task StopAsync(string service) => _processes[service].StopAsync(TimeSpan.FromSeconds(40));

    public async Task RestartAsync(string service)
    {
        Start(service);
        try
        {
            await WaitReadyAsync(service, TimeSpan.FromMinutes(2));
        }
        catch (InvalidOperationException) when (_processes[service].FailedToBind)
        {
            // Something else took the old port while the service was down: any port will do.
            _exited.Add(_processes[service]);
            _processes[service] = ServiceProcess.Start(service, AssemblyPath(service), _environment[service], LogPath(service));
            await WaitReadyAsync(service, TimeSpan.FromMinutes(2));
        }
    }

    public Task WaitReadyAsync(string service, TimeSpan timeout) => _processes[service].WaitReadyAsync(timeout);

    /// <summary>The tail of a service's log, for assertion messages.</summary>
    public string Log(string service, int lines = 60) => ServiceProcess.Tail(LogPath(service), lines);

    /// <summary>An HTTP client for a service with the cluster's API key.</summary>
    public HttpClient Client(string service)
    {
        var client = new HttpClient { BaseAddress = BaseAddress(service), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _processes.Values.Concat(_exited))
        {
            await service.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable("MODERATION_KEEP_CLUSTER") != "1")
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private string LogPath(string service) => Path.Combine(Directory, $"{service}.log");

    /// <summary>The service's built assembly, in the configuration the tests themselves were built in.</summary>
    public static string AssemblyPath(string service)
    {
        var (folder, name) = service switch
        {
            Ingest => ("ingest", "Moderation.Ingest"),
            FrameExtractor => ("frame-extractor", "Moderation.FrameExtractor"),
            Classifier => ("classifier", "Moderation.Classifier"),
            Results => ("results", "Moderation.Results"),
            _ => throw new ArgumentOutOfRangeException(nameof(service), service, "Unknown service."),
        };
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepoPaths.Root, "services", folder, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build Moderation.sln -c {configuration} first.");
    }
}
