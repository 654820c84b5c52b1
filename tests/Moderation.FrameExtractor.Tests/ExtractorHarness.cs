using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extensions;
using Moderation.FrameExtractor.Extraction;
using Moderation.FrameExtractor.Media;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;

namespace Moderation.FrameExtractor.Tests;

/// <summary>
/// The extraction pipeline composed as the service composes it, with real ffprobe/ffmpeg and a real filesystem blob
/// store, but publishing into a <see cref="RecordingPublisher"/>; for limits that would be impractical to vary per host.
/// </summary>
public sealed class ExtractorHarness : IDisposable
{
    private readonly ServiceProvider _services;

    private ExtractorHarness(ServiceProvider services, string root)
    {
        _services = services;
        Root = root;
    }

    public string Root { get; }

    public IBlobStore Blobs => _services.GetRequiredService<IBlobStore>();

    public MediaExtractor Extractor => _services.GetRequiredService<MediaExtractor>();

    public MediaProber Prober => _services.GetRequiredService<MediaProber>();

    public ExtractionPlanner Planner => _services.GetRequiredService<ExtractionPlanner>();

    public FrameDecoder Decoder => _services.GetRequiredService<FrameDecoder>();

    public ExtractionRegistry Registry => _services.GetRequiredService<ExtractionRegistry>();

    public string ScratchRoot => _services.GetRequiredService<IOptions<ExtractionOptions>>().Value.ScratchRoot;

    public static ExtractorHarness Create(
        Action<SamplingOptions>? sampling = null,
        Action<MediaLimitsOptions>? limits = null,
        Action<FfmpegOptions>? ffmpeg = null,
        Action<ExtractionOptions>? extraction = null,
        IBlobStore? blobs = null)
    {
        var root = Directory.CreateTempSubdirectory("extractor-harness-").FullName;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Configure(new SamplingOptions(), sampling)));
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Configure(new MediaLimitsOptions(), limits)));
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Configure(new FfmpegOptions(), ffmpeg)));
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Configure(new ExtractionOptions { TempDirectory = Path.Combine(root, "scratch") }, extraction)));
        services.AddSingleton(blobs ?? new FileSystemBlobStore(Microsoft.Extensions.Options.Options.Create(new BlobStoreOptions { Root = Path.Combine(root, "blobs") })));
        services.AddFrameExtraction();
        return new ExtractorHarness(services.BuildServiceProvider(), root);
    }

    /// <summary>Stores the file as ingest would (content-addressed key, no extension) and returns its submission.</summary>
    public async Task<MediaSubmitted> SubmitAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = BlobStorageExtensions.MediaKey(sha);
        await using (var content = new MemoryStream(bytes))
        {
            await Blobs.PutAsync(key, content, CancellationToken.None);
        }

        return new MediaSubmitted(Guid.NewGuid(), Guid.NewGuid(), key, null, sha, null, bytes.Length, Path.GetFileName(path), null,
            SubmissionPriority.Normal, null, "tests", DateTimeOffset.UtcNow);
    }

    public async Task<RecordingPublisher> ExtractAsync(string path, Action<RecordingPublisher, object>? onPublish = null)
    {
        var submitted = await SubmitAsync(path);
        return await ExtractAsync(submitted, onPublish);
    }

    public async Task<RecordingPublisher> ExtractAsync(MediaSubmitted submitted, Action<RecordingPublisher, object>? onPublish = null)
    {
        var publisher = new RecordingPublisher(onPublish);
        publisher.Outcome = await Extractor.ExtractAsync(submitted, publisher, CancellationToken.None);
        return publisher;
    }

    public async Task<ProbedMedium> ProbeAsync(string path)
    {
        var work = Directory.CreateTempSubdirectory("extractor-probe-").FullName;
        try
        {
            return await Prober.ProbeAsync(path, work, CancellationToken.None);
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private static T Configure<T>(T options, Action<T>? configure)
    {
        configure?.Invoke(options);
        return options;
    }
}

/// <summary>Everything an extraction published, in order, with the time since the first message.</summary>
public sealed class RecordingPublisher(Action<RecordingPublisher, object>? onPublish = null) : IExtractionPublisher
{
    private readonly ConcurrentQueue<(TimeSpan At, object Message)> _messages = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ExtractionOutcome Outcome { get; set; }

    public IReadOnlyList<object> Messages => _messages.Select(m => m.Message).ToList();

    public FramesPlanned? Planned => Messages.OfType<FramesPlanned>().SingleOrDefault();

    public IReadOnlyList<FrameExtracted> Frames => Messages.OfType<FrameExtracted>().OrderBy(f => f.FrameIndex).ToList();

    public FrameExtractionCompleted? Completed => Messages.OfType<FrameExtractionCompleted>().SingleOrDefault();

    public MediaFailed? Failed => Messages.OfType<MediaFailed>().SingleOrDefault();

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class, IMediaMessage
    {
        _messages.Enqueue((_clock.Elapsed, message));
        onPublish?.Invoke(this, message);
        return Task.CompletedTask;
    }
}
