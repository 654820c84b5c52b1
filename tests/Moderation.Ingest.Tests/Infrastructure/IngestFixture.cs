using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Moderation.Auth;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Fetching;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests.Infrastructure;

/// <summary>
/// Ingest running in-process on a fresh database and a fresh virtual host of the real servers, with the pipeline stub on
/// the same virtual host, a loopback media server, and the fetcher's DNS and connections under the test's control.
/// Derived fixtures override <see cref="Settings"/> to change configuration.
/// </summary>
public class IngestFixture : IAsyncLifetime
{
    public const string WebhookClient = "wiki";
    public const string WebhookSecret = "test-webhook-secret-0123456789abcdef";
    public const string PreviousWebhookSecret = "previous-webhook-secret-0123456789abcdef";

    private WebApplicationFactory<Program>? _factory;

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("Not started.");

    public PipelineStub Pipeline { get; private set; } = null!;

    public LoopbackMediaServer MediaServer { get; private set; } = null!;

    public FakeDnsResolver Dns { get; } = new();

    public RecordingConnector Connector { get; } = new();

    public string BlobRoot { get; } = Directory.CreateTempSubdirectory("ingest-blobs-").FullName;

    public string RabbitMqUri { get; private set; } = "";

    public string DatabaseConnectionString { get; private set; } = "";

    /// <summary>A key with submit and read scopes, for tests that are not about authorisation.</summary>
    public string SubmitKey { get; private set; } = "";

    protected virtual IDictionary<string, string?> Settings() => new Dictionary<string, string?>();

    /// <summary>Runs after the virtual host exists and before anything connects to it.</summary>
    protected virtual Task BeforeStartAsync(string rabbitMqUri) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        RabbitMqUri = await servers.CreateVirtualHostAsync("ingest");
        DatabaseConnectionString = await servers.CreateDatabaseAsync("ingest");
        await BeforeStartAsync(RabbitMqUri);
        Pipeline = await PipelineStub.StartAsync(RabbitMqUri);
        MediaServer = await LoopbackMediaServer.StartAsync();

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = RabbitMqUri,
            ["ConnectionStrings:postgres"] = DatabaseConnectionString,
            ["Database:MigrateOnStart"] = "true",
            ["BlobStore:Root"] = BlobRoot,
            ["Messaging:QuorumQueues"] = "false",
            ["UrlFetch:AllowLoopback"] = "true",
            ["UrlFetch:Timeout"] = "00:00:05",
            ["Webhooks:Clients:wiki:Secret"] = WebhookSecret,
            ["Webhooks:Clients:wiki:PreviousSecret"] = PreviousWebhookSecret,
            ["Deduplication:Timeout"] = "00:00:03",
            ["BackPressure:PollInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Settings())
        {
            settings[key] = value;
        }

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureTestServices(services =>
            {
                services.RemoveAll<IDnsResolver>();
                services.RemoveAll<ISocketConnector>();
                services.AddSingleton<IDnsResolver>(Dns);
                services.AddSingleton<ISocketConnector>(Connector);
            });
        });
        _ = Factory.Server;
        SubmitKey = await CreateKeyAsync("tests", ModerationScopes.Submit, ModerationScopes.Read);
    }

    public async Task<string> CreateKeyAsync(string clientId, params string[] scopes)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ApiKeys>().CreateAsync(clientId, scopes, "test", CancellationToken.None);
        return created.Key;
    }

    public HttpClient Client(string? key = null)
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A webhook request signed as an upload system would sign it.</summary>
    public static HttpRequestMessage SignedHook(string body, long? timestamp = null, string secret = WebhookSecret, string client = WebhookClient)
    {
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{ts}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/upload") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookAuthenticationHandler.ClientHeader, client);
        request.Headers.Add(WebhookAuthenticationHandler.TimestampHeader, ts);
        request.Headers.Add(WebhookAuthenticationHandler.SignatureHeader, "sha256=" + signature);
        return request;
    }

    public IEnumerable<string> StoredBlobs() =>
        Directory.EnumerateFiles(BlobRoot, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(BlobRoot, p).Replace('\\', '/'));

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await Pipeline.DisposeAsync();
        await MediaServer.DisposeAsync();
        Directory.Delete(BlobRoot, recursive: true);
    }
}
