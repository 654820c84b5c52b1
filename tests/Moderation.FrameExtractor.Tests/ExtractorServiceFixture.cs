using System.Collections.Concurrent;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Consumers;
using Moderation.ServiceDefaults;
using Moderation.Testing;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>
/// The frame extractor service as it runs in production (its own Program, MassTransit over the shared real RabbitMQ in a
/// fresh virtual host, a real filesystem blob store) plus an observer bus standing in for results and the classifier:
/// it records every message about each medium, answers the extractor's hash questions (<see cref="MatchFrameHash"/>:
/// "classify it" unless a test says otherwise) and can publish <see cref="MediaDecided"/> like results does.
/// </summary>
public sealed class ExtractorServiceFixture : IAsyncLifetime
{
    private WebApplicationFactory<ExtractFramesConsumer>? _service;
    private IHost? _observer;

    public string BlobRoot { get; } = Directory.CreateTempSubdirectory("extractor-blobs-").FullName;

    public string ScratchRoot { get; } = Directory.CreateTempSubdirectory("extractor-scratch-").FullName;

    public MessageLog Log { get; } = new();

    /// <summary>The blob store the service reads media from and stores frames in.</summary>
    public IBlobStore Blobs => new FileSystemBlobStore(Microsoft.Extensions.Options.Options.Create(new BlobStoreOptions { Root = BlobRoot }));

    public IBus Bus => _observer!.Services.GetRequiredService<IBus>();

    public HttpClient CreateClient() => _service!.CreateClient();

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        var rabbit = await servers.CreateVirtualHostAsync("extractor");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:rabbitmq"] = rabbit,
            ["BlobStore:Root"] = BlobRoot,
            ["Extraction:TempDirectory"] = ScratchRoot,
            // Exact sampling of the scaled 30-minute video would decode ~2300 frames of 160×120 (45 megapixels): a budget
            // of 20 sends it down the keyframe path as the real 480p one is, while the 10 s and 2 min clips stay exact.
            ["Sampling:ExactDecodeBudgetMegapixels"] = "20",
            // As many submission slots as video slots: stills pass videos only because videos leave the submissions
            // queue, not because there are more slots than videos.
            ["Extraction:MaxConcurrentStills"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _service = new WebApplicationFactory<ExtractFramesConsumer>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        _ = _service.Server;

        var observer = Host.CreateApplicationBuilder();
        observer.Logging.SetMinimumLevel(LogLevel.Warning);
        observer.Services.AddSingleton(Log);
        observer.Configuration["ConnectionStrings:rabbitmq"] = rabbit;
        observer.AddMessaging(bus => bus.AddConsumer<ObserverConsumer>().Endpoint(e => e.Name = "extractor-tests-observer"));
        _observer = observer.Build();
        await _observer.StartAsync();
    }

    /// <summary>Stores the file as ingest would (content-addressed key, no extension) and publishes its submission.</summary>
    public async Task<MediaSubmitted> SubmitAsync(string path, Func<MediaSubmitted, MediaSubmitted>? change = null)
    {
        var submitted = await StoreAsync(path);
        submitted = change?.Invoke(submitted) ?? submitted;
        await Bus.Publish(submitted);
        return submitted;
    }

    public async Task<MediaSubmitted> StoreAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = BlobStorageExtensions.MediaKey(sha);
        var target = Path.Combine(BlobRoot, key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllBytesAsync(target, bytes);
        return new MediaSubmitted(Guid.NewGuid(), Guid.NewGuid(), key, null, sha, null, bytes.Length, Path.GetFileName(path), null,
            SubmissionPriority.Normal, null, "tests", DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        if (_observer is not null)
        {
            await _observer.StopAsync();
            _observer.Dispose();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        Directory.Delete(BlobRoot, recursive: true);
        Directory.Delete(ScratchRoot, recursive: true);
    }

    private sealed class ObserverConsumer(MessageLog log) :
        IConsumer<FramesPlanned>, IConsumer<FrameExtracted>, IConsumer<FrameExtractionCompleted>, IConsumer<MediaFailed>, IConsumer<MatchFrameHash>
    {
        public async Task Consume(ConsumeContext<MatchFrameHash> context)
        {
            var question = context.Message;
            log.For(question.MediaId).AddHash(question);
            await context.RespondAsync(log.AnswerHash?.Invoke(question)
                ?? new FrameHashMatched(question.MediaId, question.FrameIndex, FrameHashOutcome.Classify, null));
        }

        public Task Consume(ConsumeContext<FramesPlanned> context) => log.RecordAsync(context);

        public Task Consume(ConsumeContext<FrameExtracted> context) => log.RecordAsync(context);

        public Task Consume(ConsumeContext<FrameExtractionCompleted> context) => log.RecordAsync(context);

        public Task Consume(ConsumeContext<MediaFailed> context) => log.RecordAsync(context);
    }
}

[CollectionDefinition(Name)]
public sealed class ExtractorServiceCollection : ICollectionFixture<ExtractorServiceFixture>
{
    public const string Name = "extractor service";
}

/// <summary>Every message the extractor published, per medium, in arrival order.</summary>
public sealed class MessageLog
{
    private readonly ConcurrentDictionary<Guid, MediaMessages> _media = new();

    /// <summary>How results answers a hashed frame; null (or a null answer): classify it.</summary>
    public Func<MatchFrameHash, FrameHashMatched?>? AnswerHash { get; set; }

    /// <summary>Called for every recorded message, with the bus context (e.g. to publish a decision the way results would).</summary>
    public Func<ConsumeContext, IMediaMessage, Task>? OnMessage { get; set; }

    public MediaMessages For(Guid mediaId) => _media.GetOrAdd(mediaId, _ => new MediaMessages());

    public async Task RecordAsync<T>(ConsumeContext<T> context)
        where T : class, IMediaMessage
    {
        For(context.Message.MediaId).Add(context.Message);
        if (OnMessage is { } hook)
        {
            await hook(context, context.Message);
        }
    }
}

public sealed class MediaMessages
{
    private readonly ConcurrentQueue<IMediaMessage> _messages = new();
    private readonly ConcurrentQueue<MatchFrameHash> _hashes = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<IMediaMessage> All => _messages.ToList();

    public FramesPlanned? Planned => All.OfType<FramesPlanned>().LastOrDefault();

    /// <summary>Distinct frames by index (a redelivered frame counts once, as in results).</summary>
    public IReadOnlyList<FrameExtracted> Frames => All.OfType<FrameExtracted>().GroupBy(f => f.FrameIndex).Select(g => g.First()).OrderBy(f => f.FrameIndex).ToList();

    public FrameExtractionCompleted? Completed => All.OfType<FrameExtractionCompleted>().LastOrDefault();

    public MediaFailed? Failed => All.OfType<MediaFailed>().LastOrDefault();

    /// <summary>The hashed frames the extractor asked about, distinct by index, in frame order.</summary>
    public IReadOnlyList<MatchFrameHash> Hashes => _hashes.GroupBy(h => h.FrameIndex).Select(g => g.First()).OrderBy(h => h.FrameIndex).ToList();

    public void AddHash(MatchFrameHash question) => _hashes.Enqueue(question);

    public void Add(IMediaMessage message)
    {
        _messages.Enqueue(message);

        // The observer handles messages concurrently, so a completion may be recorded before the last frames it counts:
        // the medium has ended once those frames are here too.
        if (Failed is not null
            || (Completed is { } completed && Frames.Count >= completed.FrameCount)
            || (Planned is { ExtractionComplete: true } plan && Frames.Count >= plan.PlannedFrames))
        {
            _ended.TrySetResult();
        }
    }

    /// <summary>
    /// Waits for the medium's last message (a failure; or the completion with every frame it counts; for a still, its
    /// final plan and its frame).
    /// </summary>
    public async Task<MediaMessages> EndedAsync(TimeSpan? timeout = null)
    {
        await _ended.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        return this;
    }
}
