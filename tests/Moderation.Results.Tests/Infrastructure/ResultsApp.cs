using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Results.Data;
using Moderation.Testing;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>
/// The results service in-process (WebApplicationFactory) on a real Postgres database and a real RabbitMQ virtual
/// host, with static API keys for each scope and fast outbox timings.
/// </summary>
public sealed class ResultsApp : WebApplicationFactory<Program>
{
    public const string CallbackSecret = "test-callback-secret-0123456789abcdef";
    /// <summary>Scope read, client <see cref="Messages.ClientId"/>: the client that submits the test media.</summary>
    public const string ReadKey = "read-key-0123456789abcdef";

    /// <summary>Scope read, another client: sees none of <see cref="Messages.ClientId"/>'s media.</summary>
    public const string OtherClientReadKey = "other-client-read-key-0123456789";
    public const string ReviewerKey = "reviewer-key-0123456789abcdef";
    public const string SecondReviewerKey = "reviewer-two-key-0123456789abcdef";
    public const string AdminKey = "admin-key-0123456789abcdef";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private ResultsApp(string database, string rabbitMq, IReadOnlyDictionary<string, string?>? overrides, Action<IServiceCollection>? services)
    {
        Database = database;
        RabbitMq = rabbitMq;
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["Database:MigrateOnStart"] = "true",
            ["Callbacks:Secret"] = CallbackSecret,
            ["Callbacks:AllowLoopback"] = "true",
            ["Callbacks:Timeout"] = "00:00:05",
            ["Outbox:PollInterval"] = "00:00:00.200",
            ["Outbox:InitialBackoff"] = "00:00:00.200",
            ["Outbox:MaxBackoff"] = "00:00:01",
            ["Outbox:ClaimDuration"] = "00:00:10",
            ["Review:AuditSampleRate"] = "0",
            ["Auth:UseIngest"] = "false",
            ["Messaging:RetryInterval"] = "00:00:00.050",
            // Classic queues: every test class declares its queues in a fresh virtual host, and a shared test broker
            // with hundreds of quorum queues (a Raft group each) slows to a crawl on two cores.
            ["Messaging:QuorumQueues"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Moderation"] = "Information",
        };
        AddKey(0, ReadKey, Messages.ClientId, "read");
        AddKey(1, ReviewerKey, "reviewer-1", "read", "review");
        AddKey(2, SecondReviewerKey, "reviewer-2", "read", "review");
        AddKey(3, AdminKey, "admin", "admin");
        AddKey(4, OtherClientReadKey, Messages.OtherClientId, "read");
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Database { get; }

    public string RabbitMq { get; }

    public IBus Bus => Services.GetRequiredService<IBus>();

    /// <summary>A fresh database and virtual host, then the service started on them.</summary>
    public static async Task<ResultsApp> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var servers = await TestServers.GetAsync();
        var database = servers.CreateDatabaseAsync("results");
        var vhost = servers.CreateVirtualHostAsync("results");
        return Start(await database, await vhost, overrides, services);
    }

    /// <summary>The service on an existing database and virtual host (a restart after a crash).</summary>
    public static ResultsApp Start(string database, string rabbitMq, IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? services = null)
    {
        var app = new ResultsApp(database, rabbitMq, overrides, services);
        // Start the host (migrations, bus, outbox dispatcher) outside the caller's execution context: MassTransit keeps
        // its log context in an AsyncLocal, and a test that restarts the service must not carry the disposed one over.
        using (ExecutionContext.SuppressFlow())
        {
            Task.Run(() => app.Server).GetAwaiter().GetResult();
        }

        return app;
    }

    public HttpClient Client(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async Task<T> GetAsync<T>(string path, string apiKey = AdminKey)
    {
        using var client = Client(apiKey);
        return (await client.GetFromJsonAsync<T>(path, Json))!;
    }

    /// <summary>The resource, or null while it does not exist yet (404): for polling what messages create.</summary>
    public async Task<T?> FindAsync<T>(string path, string apiKey = AdminKey)
        where T : class
    {
        using var client = Client(apiKey);
        using var response = await client.GetAsync(path);
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null
            : await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<T>(Json);
    }

    /// <summary>Runs a query against the service's own database context.</summary>
    public async Task<T> QueryAsync<T>(Func<ResultsDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ResultsDbContext>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    private void AddKey(int index, string key, string clientId, params string[] scopes)
    {
        _settings[$"Auth:StaticKeys:{index}:Key"] = key;
        _settings[$"Auth:StaticKeys:{index}:ClientId"] = clientId;
        for (var i = 0; i < scopes.Length; i++)
        {
            _settings[$"Auth:StaticKeys:{index}:Scopes:{i}"] = scopes[i];
        }
    }
}
