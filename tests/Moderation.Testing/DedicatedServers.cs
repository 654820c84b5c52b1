using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Moderation.Testing;

/// <summary>
/// A RabbitMQ and a PostgreSQL of a test's own (local Debian servers on free loopback ports), for fault tests that stop
/// and restart the servers without disturbing the shared ones.
/// </summary>
public sealed class DedicatedServers : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "scripts", "lib", "servers.sh");

    private DedicatedServers(string directory, int amqpPort, int postgresPort, string rabbitMqUri, string postgres)
    {
        Directory = directory;
        AmqpPort = amqpPort;
        PostgresPort = postgresPort;
        RabbitMqUri = rabbitMqUri;
        PostgresConnectionString = postgres;
    }

    public string Directory { get; }

    public int AmqpPort { get; }

    public int PostgresPort { get; }

    public string RabbitMqUri { get; }

    /// <summary>Npgsql connection string of the server (no database named).</summary>
    public string PostgresConnectionString { get; }

    public static async Task<DedicatedServers> StartAsync()
    {
        var directory = Path.Combine(RepoPaths.Data, "dedicated-servers", Guid.NewGuid().ToString("N")[..12]);
        int amqp = FreePort(), postgres = FreePort();
        await ProcessRunner.RunAsync(Script, ["servers_start", directory, Text(amqp), Text(postgres)], TimeSpan.FromMinutes(3));
        var env = File.ReadAllLines(Path.Combine(directory, "env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim('\''));
        return new DedicatedServers(directory, amqp, postgres, env["MODERATION_RABBITMQ"], env["MODERATION_POSTGRES"]);
    }

    public Task StopRabbitMqAsync() => ProcessRunner.RunAsync(Script, ["rabbit_stop", Directory, Text(AmqpPort)], TimeSpan.FromMinutes(2));

    public Task StartRabbitMqAsync() => ProcessRunner.RunAsync(Script, ["rabbit_start", Directory, Text(AmqpPort)], TimeSpan.FromMinutes(3));

    public Task StopPostgresAsync() => ProcessRunner.RunAsync(Script, ["pg_stop", Directory], TimeSpan.FromMinutes(2));

    public Task StartPostgresAsync() => ProcessRunner.RunAsync(Script, ["pg_start", Directory, Text(PostgresPort)], TimeSpan.FromMinutes(2));

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync(Script, ["servers_stop", Directory], TimeSpan.FromMinutes(2));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
