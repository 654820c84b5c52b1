using System.Net.Http.Json;
using System.Security.Cryptography;
using Moderation.Testing;
using Npgsql;

namespace Moderation.Dashboard.Tests;

/// <summary>
/// The results, ingest and dashboard services as real processes (the built assemblies) over the shared real servers, in a
/// fresh virtual host, databases and blob directory. Reviewer, admin and reader keys are results' static keys; ingest
/// (which erases media for the dashboard) knows only <see cref="IngestAdminKey"/>, an administrator key it created, which
/// results accepts by asking ingest.
/// </summary>
public sealed class DashboardStack : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    private DashboardStack(string directory) => Directory = directory;

    public string Directory { get; }

    public string BlobRoot => Path.Combine(Directory, "blobs");

    public string RabbitMqUri { get; private set; } = "";

    public string ResultsDatabase { get; private set; } = "";

    public Uri Results { get; private set; } = null!;

    public Uri Ingest { get; private set; } = null!;

    public string IngestDatabase { get; private set; } = "";

    /// <summary>Scopes read + review + admin + submit, created in ingest: the key that can erase through the dashboard.</summary>
    public string IngestAdminKey { get; private set; } = "";

    public Uri Dashboard { get; private set; } = null!;

    /// <summary>Scopes read + review.</summary>
    public string ReviewerKey { get; } = NewKey();

    /// <summary>Scopes read + review + admin.</summary>
    public string AdminKey { get; } = NewKey();

    /// <summary>Scope read only, client <see cref="SeedingClient"/>: the client the seeded media belong to.</summary>
    public string ReaderKey { get; } = NewKey();

    /// <summary>Scope read only, another client: sees none of the seeded media.</summary>
    public string OtherClientReaderKey { get; } = NewKey();

    /// <summary>The client id <see cref="MediaSeeder"/> submits as.</summary>
    public const string SeedingClient = "tests";
    public const string OtherClient = "other-client";
    public const string ReviewerName = "alice";
    public const string AdminName = "root-admin";
    public const string IngestAdminName = "erasing-admin";

    /// <param name="dashboard">Extra dashboard settings (env-var style keys).</param>
    /// <param name="results">Extra results settings (env-var style keys).</param>
    public static async Task<DashboardStack> StartAsync(IReadOnlyDictionary<string, string>? dashboard = null, IReadOnlyDictionary<string, string>? results = null)
    {
        var servers = await TestServers.GetAsync();
        var stack = new DashboardStack(System.IO.Directory.CreateTempSubdirectory("moderation-dashboard-").FullName);
        try
        {
            stack.RabbitMqUri = await servers.CreateVirtualHostAsync("dashboard");
            stack.ResultsDatabase = await servers.CreateDatabaseAsync("dashboard");
            stack.IngestDatabase = await servers.CreateDatabaseAsync("dashboard-ingest");
            System.IO.Directory.CreateDirectory(stack.BlobRoot);
            var ingest = new Dictionary<string, string>
            {
                ["ConnectionStrings__rabbitmq"] = stack.RabbitMqUri,
                ["ConnectionStrings__postgres"] = stack.IngestDatabase,
                ["Database__MigrateOnStart"] = "true",
                ["BlobStore__Root"] = stack.BlobRoot,
            };
            stack.Ingest = await stack.StartAsync("ingest", Cluster.AssemblyPath(Cluster.Ingest), ingest);
            stack.IngestAdminKey = (await RunOnceAsync(Cluster.AssemblyPath(Cluster.Ingest), ingest,
                "keys", "create", "--client", IngestAdminName, "--scopes", "read,review,admin,submit", "--quiet")).Trim();
            var resultsSettings = new Dictionary<string, string>
            {
                ["ConnectionStrings__rabbitmq"] = stack.RabbitMqUri,
                ["ConnectionStrings__postgres"] = stack.ResultsDatabase,
                ["Database__MigrateOnStart"] = "true",
                ["BlobStore__Root"] = stack.BlobRoot,
                ["Callbacks__Secret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
                ["Auth__UseIngest"] = "true",
                ["Auth__StaticKeys__0__Key"] = stack.ReviewerKey,
                ["Auth__StaticKeys__0__ClientId"] = ReviewerName,
                ["Auth__StaticKeys__0__Scopes__0"] = "read",
                ["Auth__StaticKeys__0__Scopes__1"] = "review",
                ["Auth__StaticKeys__1__Key"] = stack.AdminKey,
                ["Auth__StaticKeys__1__ClientId"] = AdminName,
                ["Auth__StaticKeys__1__Scopes__0"] = "read",
                ["Auth__StaticKeys__1__Scopes__1"] = "review",
                ["Auth__StaticKeys__1__Scopes__2"] = "admin",
                ["Auth__StaticKeys__2__Key"] = stack.ReaderKey,
                ["Auth__StaticKeys__2__ClientId"] = SeedingClient,
                ["Auth__StaticKeys__2__Scopes__0"] = "read",
                ["Auth__StaticKeys__3__Key"] = stack.OtherClientReaderKey,
                ["Auth__StaticKeys__3__ClientId"] = OtherClient,
                ["Auth__StaticKeys__3__Scopes__0"] = "read",
                ["Review__AuditSampleRate"] = "0",
                ["Review__UndoWindow"] = "00:01:00",
            };
            foreach (var (key, value) in results ?? new Dictionary<string, string>())
            {
                resultsSettings[key] = value;
            }

            stack.Results = await stack.StartAsync("results", Cluster.AssemblyPath(Cluster.Results), resultsSettings);
            var settings = new Dictionary<string, string>
            {
                ["Dashboard__ResultsUrl"] = stack.Results.ToString(),
                ["Dashboard__IngestUrl"] = stack.Ingest.ToString(),
                ["Dashboard__KeysDirectory"] = Path.Combine(stack.Directory, "keys"),
                ["BlobStore__Root"] = stack.BlobRoot,
            };
            foreach (var (key, value) in dashboard ?? new Dictionary<string, string>())
            {
                settings[key] = value;
            }

            stack.Dashboard = await stack.StartAsync("dashboard", DashboardAssembly(), settings);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client of the results API with the given key.</summary>
    public HttpClient ResultsClient(string key)
    {
        var client = new HttpClient { BaseAddress = Results, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task<NpgsqlConnection> OpenResultsDatabaseAsync()
    {
        var connection = new NpgsqlConnection(ResultsDatabase);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> CountAsync(string sql) => Convert.ToInt64(await ScalarAsync<object>(sql), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first column of the first row of <paramref name="sql"/> on the results database (test-made SQL only).</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var db = await OpenResultsDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Appends a version of the default policy that sends high Drawing scores (clip art, test patterns) to review.</summary>
    public async Task SetDefaultPolicyAsync(Dictionary<string, float> review, Dictionary<string, float> block)
    {
        using var admin = ResultsClient(AdminKey);
        using var response = await admin.PostAsJsonAsync("policies", new { name = "default", review, block, earlyExit = false, comment = "dashboard tests" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The tail of a service's log (<c>ingest</c>, <c>results</c> or <c>dashboard</c>).</summary>
    public string Log(string service) => _processes.Single(p => p.Name == service).Log(80);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
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

    private static string DashboardAssembly()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepoPaths.Root, "services", "dashboard", "bin", configuration, "net10.0", "Moderation.Dashboard.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built.");
    }

    /// <summary>
    /// Starts a service with the settings catalogue's values (deploy/settings, as scripts/up, compose, Kubernetes and the
    /// end-to-end cluster read it), then this stack's own.
    /// </summary>
    private async Task<Uri> StartAsync(string name, string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var settings = new Dictionary<string, string>(SettingsCatalogue.For(name), StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            settings[key] = value;
        }

        var process = ServiceProcess.Start(name, assembly, settings, Path.Combine(Directory, name + ".log"));
        _processes.Add(process);
        await process.WaitReadyAsync(TimeSpan.FromMinutes(2));
        return new Uri(process.BaseAddress, "/");
    }

    private static async Task<string> RunOnceAsync(string assembly, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = ServiceProcess.StartInfo(assembly, environment, arguments);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"{string.Join(' ', arguments)} exited with {process.ExitCode}: {await stdout}{await stderr}");
    }

    private static string NewKey() => "mk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
