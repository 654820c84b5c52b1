using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Moderation.Testing;

/// <summary>
/// The real RabbitMQ and PostgreSQL servers of one test run, shared by every test (each test isolates itself with
/// <see cref="CreateVirtualHostAsync"/> and <see cref="CreateDatabaseAsync(string)"/>). In order of preference:
/// servers named by <c>MODERATION_RABBITMQ</c>/<c>MODERATION_POSTGRES</c> (scripts/test starts them once for all test
/// assemblies), Testcontainers where a Docker engine answers, or local Debian servers started with scripts/lib/servers.sh.
/// </summary>
public sealed class TestServers
{
    private const string LocalDirectoryName = "test-servers";
    private static readonly Lazy<Task<TestServers>> Shared = new(StartAsync);
    private readonly IVirtualHostManager _virtualHosts;

    private TestServers(string rabbitMqUri, string postgresConnectionString, IVirtualHostManager virtualHosts)
    {
        RabbitMqUri = rabbitMqUri;
        PostgresConnectionString = postgresConnectionString;
        _virtualHosts = virtualHosts;
    }

    /// <summary>amqp:// URI of the broker's default virtual host.</summary>
    public string RabbitMqUri { get; }

    /// <summary>Npgsql connection string of the server (no database named).</summary>
    public string PostgresConnectionString { get; }

    public static Task<TestServers> GetAsync() => Shared.Value;

    /// <summary>A fresh virtual host the broker user may use fully; returns its amqp:// URI.</summary>
    public async Task<string> CreateVirtualHostAsync(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await _virtualHosts.CreateAsync(name);
        var builder = new UriBuilder(RabbitMqUri) { Path = "/" + Uri.EscapeDataString(name) };
        return builder.Uri.ToString();
    }

    /// <summary>
    /// A broker user with the given permissions (RabbitMQ regular expressions) on the virtual host of
    /// <paramref name="virtualHostUri"/> and no tags; returns that URI with the user's credentials. Users outlive
    /// virtual hosts: remove it with <see cref="DeleteUserAsync"/>.
    /// </summary>
    public async Task<string> CreateUserAsync(string virtualHostUri, string user, string configure, string write, string read)
    {
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var uri = new Uri(virtualHostUri);
        await _virtualHosts.AddUserAsync(Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')), user, password, configure, write, read);
        return new UriBuilder(uri) { UserName = Uri.EscapeDataString(user), Password = password }.Uri.ToString();
    }

    public Task DeleteUserAsync(string user) => _virtualHosts.DeleteUserAsync(user);

    /// <summary>A fresh empty database; returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string prefix = "t") => CreateDatabaseAsync(PostgresConnectionString, prefix);

    /// <summary>A fresh empty database on the server of <paramref name="serverConnectionString"/>; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string serverConnectionString, string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(serverConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    private static async Task<TestServers> StartAsync()
    {
        var rabbit = Environment.GetEnvironmentVariable("MODERATION_RABBITMQ");
        var postgres = Environment.GetEnvironmentVariable("MODERATION_POSTGRES");
        var serversDir = Environment.GetEnvironmentVariable("MODERATION_SERVERS_DIR");
        if (!string.IsNullOrEmpty(rabbit) && !string.IsNullOrEmpty(postgres) && !string.IsNullOrEmpty(serversDir))
        {
            return new TestServers(rabbit, postgres, new LocalVirtualHosts(serversDir, new Uri(rabbit).Port));
        }

        if (await DockerIsAvailableAsync())
        {
            return await StartContainersAsync();
        }

        return await StartLocalAsync();
    }

    private static async Task<TestServers> StartLocalAsync()
    {
        var dir = Path.Combine(RepoPaths.Data, LocalDirectoryName);
        Directory.CreateDirectory(RepoPaths.Data);
        var script = Path.Combine(RepoPaths.Root, "scripts", "lib", "servers.sh");
        // flock: several test assemblies may start at once; the first starts the servers, the rest reuse them.
        await ProcessRunner.RunAsync("flock", ["-o", Path.Combine(RepoPaths.Data, LocalDirectoryName + ".lock"), script, "servers_start", dir, "5674", "5434"], TimeSpan.FromMinutes(3));
        var env = ServersEnvironment.Read(Path.Combine(dir, "env"));
        return new TestServers(env["MODERATION_RABBITMQ"], env["MODERATION_POSTGRES"], new LocalVirtualHosts(dir, 5674));
    }

    internal static async Task<bool> DockerIsAvailableAsync()
    {
        if (Environment.GetEnvironmentVariable("MODERATION_NO_DOCKER") == "1")
        {
            return false;
        }

        try
        {
            await ProcessRunner.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(10));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static async Task<TestServers> StartContainersAsync()
    {
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").WithUsername("moderation").WithPassword("moderation").Build();
        var postgres = new PostgreSqlBuilder("postgres:15").Build();
        await Task.WhenAll(rabbit.StartAsync(), postgres.StartAsync());
        var admin = new NpgsqlConnectionStringBuilder(postgres.GetConnectionString()) { Database = null }.ConnectionString;
        return new TestServers(rabbit.GetConnectionString(), admin, new ContainerVirtualHosts(rabbit));
    }

    private interface IVirtualHostManager
    {
        Task CreateAsync(string name);

        Task AddUserAsync(string virtualHost, string user, string password, string configure, string write, string read);

        Task DeleteUserAsync(string user);
    }

    private sealed class LocalVirtualHosts(string serversDir, int port) : IVirtualHostManager
    {
        // Each rabbitmqctl call boots an Erlang node (1–2 s of CPU); on two cores under a load average of 70 that took
        // over a minute, so the bound is generous: it only has to end a call that will never finish.
        private static readonly TimeSpan CtlTimeout = TimeSpan.FromMinutes(5);

        public async Task CreateAsync(string name)
        {
            var script = Path.Combine(RepoPaths.Root, "scripts", "lib", "servers.sh");
            await ProcessRunner.RunAsync(script, ["rabbit_vhost", serversDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture), name], CtlTimeout);
        }

        public async Task AddUserAsync(string virtualHost, string user, string password, string configure, string write, string read)
        {
            await CtlAsync("add_user", user, password);
            await CtlAsync("set_permissions", "-p", virtualHost, user, configure, write, read);
        }

        public Task DeleteUserAsync(string user) => CtlAsync("delete_user", user);

        private Task<string> CtlAsync(params string[] arguments) =>
            ProcessRunner.RunAsync(Path.Combine(RepoPaths.Root, "scripts", "lib", "servers.sh"),
                ["rabbit_ctl", serversDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments], CtlTimeout);
    }

    private sealed class ContainerVirtualHosts(RabbitMqContainer container) : IVirtualHostManager
    {
        public async Task CreateAsync(string name)
        {
            await container.ExecAsync(["rabbitmqctl", "add_vhost", name]);
            await container.ExecAsync(["rabbitmqctl", "set_permissions", "-p", name, "moderation", ".*", ".*", ".*"]);
        }

        public async Task AddUserAsync(string virtualHost, string user, string password, string configure, string write, string read)
        {
            await container.ExecAsync(["rabbitmqctl", "add_user", user, password]);
            await container.ExecAsync(["rabbitmqctl", "set_permissions", "-p", virtualHost, user, configure, write, read]);
        }

        public Task DeleteUserAsync(string user) => container.ExecAsync(["rabbitmqctl", "delete_user", user]);
    }
}
