using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moderation.Classifier.Inference;

namespace Moderation.Classifier.Tests;

/// <summary>The real classifier (its Program, Kestrel on loopback) against a test's own virtual host, logs captured.</summary>
internal sealed class ClassifierHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> factory;

    private ClassifierHost(WebApplicationFactory<Program> factory, CapturedLogs logs)
    {
        this.factory = factory;
        Logs = logs;
    }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => factory.Services;

    /// <summary>Starts the worker; throws what the host throws when it refuses to start.</summary>
    public static ClassifierHost Start(string rabbitMqUri, string manifestPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var logs = new CapturedLogs();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("ConnectionStrings:rabbitmq", rabbitMqUri);
            web.UseSetting("Classifier:ManifestPath", manifestPath);
            web.UseSetting("Messaging:RetryLimit", "1");
            // Never a head a developer published next to the shared model; tests that want one name their own.
            web.UseSetting("Classifier:FeedbackHeadPath", Path.Combine(Path.GetTempPath(), $"no-head-{Guid.NewGuid():N}.json"));
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        try
        {
            factory.StartServer();
        }
        catch
        {
            factory.Dispose();
            throw;
        }

        return new ClassifierHost(factory, logs);
    }

    public HttpClient CreateClient() => factory.CreateClient();

    /// <summary>Base-model scores of each picture inferred on its own, through the worker's own session, for comparison.</summary>
    public async Task<float[][]> ReferenceScoresAsync(IReadOnlyList<byte[]> pictures)
    {
        var classifier = Get<IFrameClassifier>();
        var preprocessor = Get<FramePreprocessor>();
        var scores = new float[pictures.Count][];
        for (var i = 0; i < pictures.Count; i++)
        {
            var batch = classifier.Batches.Rent();
            try
            {
                Assert.All(preprocessor.Fill(batch, [pictures[i]]), slot => Assert.True(slot.Decoded));
                await classifier.ClassifyAsync(batch, CancellationToken.None);
                scores[i] = batch.ScoresOf(0).ToArray();
            }
            finally
            {
                classifier.Batches.Return(batch);
            }
        }

        return scores;
    }

    public T Get<T>()
        where T : notnull => factory.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>Every log line the host writes, for assertions on what an operator would read.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}
