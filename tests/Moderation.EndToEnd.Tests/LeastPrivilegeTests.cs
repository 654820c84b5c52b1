using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Moderation.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The cluster with the credentials the deployments give it: each service connects to RabbitMQ as a user of its own
/// with the permissions of deploy/k8s/base/data/rabbitmq-users.yaml (compose's definitions hold the same, the deploy
/// tests check), and ingest and results run as roles with row rights only, after each database's owner ran
/// deploy/k8s/base/data/grant-serving-role.sql and the migrations. Media reach verdicts, requests and answers cross
/// between services, erasure reaches every service, and a message a service cannot read lands in its _error queue
/// instead of being refused by the broker and redelivered forever.
/// </summary>
public sealed class LeastPrivilegeTests : OwnClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _users = [];
    private readonly Dictionary<string, (string Database, string Owner, string Serving)> _roles = [];

    protected override void Configure(string service, IDictionary<string, string> env) =>
        Task.Run(() => RunAsServiceAsync(service, env)).GetAwaiter().GetResult();

    [Fact]
    public async Task Every_service_works_with_its_own_broker_user_and_a_serving_role_that_only_reads_and_writes_rows()
    {
        var servers = await TestServers.GetAsync();
        var still = await Ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(480, 360)));
        var animation = await Ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(await TestMedia.GifAsync()));
        Assert.Equal("completed", IngestApi.State(await Ingest.WaitForEndAsync(still, Timeout)));
        Assert.Equal("completed", IngestApi.State(await Ingest.WaitForEndAsync(animation, Timeout)));

        // Results checks the key by asking ingest (AuthenticateApiKey, answered on results' reply endpoint).
        using (var results = Cluster.Client(Cluster.Results))
        {
            await WaitForAsync(async () => (await results.GetAsync($"/media/{still}")).IsSuccessStatusCode, () => "results never accepted the key");
        }

        // Erasure: ingest asks results (EraseMedium), results announces MediumErased to every frame extractor.
        using (var ingest = Cluster.Client(Cluster.Ingest))
        using (var erased = await ingest.DeleteAsync($"/media/{animation}"))
        {
            Assert.True(erased.StatusCode == HttpStatusCode.OK, $"{(int)erased.StatusCode}: {await erased.Content.ReadAsStringAsync()}");
        }

        foreach (var (service, (database, _, serving)) in _roles)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = database, Username = serving, Password = serving }.ConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE intruder (id int)", connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => create.ExecuteNonQueryAsync());
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{service}: {refused.Message}");
        }

        // A message no service can read: each moves it to its _error queue, which takes declaring, binding and
        // writing that queue and publishing ReceiveFault under its own user.
        var factory = new ConnectionFactory { Uri = new Uri(Cluster.RabbitMqUri) };
        await using var broker = await factory.CreateConnectionAsync();
        await using var channel = await broker.CreateChannelAsync();
        var queues = new[] { "fetch-source-url", "extract-frames", "frame-classification", "results-media-submitted" };
        foreach (var queue in queues)
        {
            var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
            await channel.BasicPublishAsync(queue, "", false, properties, "{ not a message"u8.ToArray());
        }

        foreach (var queue in queues)
        {
            await WaitForAsync(async () =>
            {
                try
                {
                    await using var probe = await broker.CreateChannelAsync();
                    return (await probe.QueueDeclarePassiveAsync(queue + "_error")).MessageCount > 0;
                }
                catch (OperationInterruptedException)
                {
                    return false;
                }
            }, () => $"the unreadable message never reached {queue}_error:\n{Cluster.Log(Owner(queue))}");
        }
    }

    /// <summary>Users and roles are server-wide: remove them once the services have stopped.</summary>
    protected override async Task CleanUpAsync()
    {
        var servers = await TestServers.GetAsync();
        foreach (var user in _users)
        {
            await servers.DeleteUserAsync(user);
        }

        _users.Clear();
        foreach (var (database, owner, serving) in _roles.Values)
        {
            var admin = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = database }.ConnectionString;
            await ExecuteAsync(admin, $"REASSIGN OWNED BY \"{owner}\" TO CURRENT_USER; DROP OWNED BY \"{owner}\"; DROP OWNED BY \"{serving}\"");
            await ExecuteAsync(servers.PostgresConnectionString, $"DROP ROLE \"{serving}\"; DROP ROLE \"{owner}\"");
        }

        _roles.Clear();
    }

    private static string Owner(string queue) => queue switch
    {
        "fetch-source-url" => Cluster.Ingest,
        "extract-frames" => Cluster.FrameExtractor,
        "frame-classification" => Cluster.Classifier,
        _ => Cluster.Results,
    };

    private async Task RunAsServiceAsync(string service, IDictionary<string, string> env)
    {
        var servers = await TestServers.GetAsync();
        var (configure, write, read) = Permissions(service);
        var user = $"{service}-{_run}";
        env["ConnectionStrings__rabbitmq"] = await servers.CreateUserAsync(env["ConnectionStrings__rabbitmq"], user, configure, write, read);
        _users.Add(user);

        if (!env.TryGetValue("ConnectionStrings__postgres", out var connectionString))
        {
            return;
        }

        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var owner = $"{service}_owner_{_run}";
        var serving = $"{service}_{_run}";
        await ExecuteAsync(servers.PostgresConnectionString, $"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{owner}'; CREATE ROLE \"{serving}\" LOGIN PASSWORD '{serving}'; ALTER DATABASE \"{database}\" OWNER TO \"{owner}\"");
        _roles[service] = (database, owner, serving);
        string As(string role) => new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = database, Username = role, Password = role }.ConnectionString;

        // What the migration steps of compose and Kubernetes run as the owner: the grants, then the service's migrate.
        var grants = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "k8s", "base", "data", "grant-serving-role.sql"));
        await using (var connection = new NpgsqlConnection(As(owner)))
        {
            await connection.OpenAsync();
            await using var role = new NpgsqlCommand("SELECT set_config('moderation.serving_role', @role, false)", connection) { Parameters = { new("role", serving) } };
            await role.ExecuteScalarAsync();
            await using var grant = new NpgsqlCommand(grants[grants.IndexOf("DO $$", StringComparison.Ordinal)..], connection);
            await grant.ExecuteNonQueryAsync();
        }

        var migrate = new Dictionary<string, string>(env) { ["ConnectionStrings__postgres"] = As(owner), ["Database__MigrateOnStart"] = "false" };
        using (var process = Process.Start(ServiceProcess.StartInfo(Cluster.AssemblyPath(service), migrate, ["migrate"]))!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(Timeout);
            await process.WaitForExitAsync(cancel.Token);
            Assert.True(process.ExitCode == 0, $"{service} migrate as {owner}: {await output}{await errors}");
        }

        env["ConnectionStrings__postgres"] = As(serving);
        env["Database__MigrateOnStart"] = "false";
    }

    /// <summary>The service's permissions as the Kubernetes Permission resource for it states them.</summary>
    private static (string Configure, string Write, string Read) Permissions(string service)
    {
        var manifest = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "k8s", "base", "data", "rabbitmq-users.yaml"));
        var document = manifest.Split("\n---\n").Single(d => d.Contains("kind: Permission", StringComparison.Ordinal) && d.Contains($"name: rabbitmq-{service}\n", StringComparison.Ordinal));
        string Value(string key) => Regex.Match(document, $@"^\s+{key}: '(.*)'$", RegexOptions.Multiline).Groups[1].Value;
        return (Value("configure"), Value("write"), Value("read"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(500);
        }
    }
}
