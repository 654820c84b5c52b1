using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;
using Moderation.Testing;

namespace Moderation.Dashboard.Tests;

/// <summary>A medium to seed: per frame, its scores by class (the classes of the nsfwjs models).</summary>
public sealed record SeededMedium(Guid MediaId, string ExternalId, string Sha256, MediaKind Kind, IReadOnlyList<IReadOnlyDictionary<string, float>> Frames,
    double IntervalSeconds)
{
    public static readonly string[] Classes = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

    public SubmissionPriority Priority { get; init; } = SubmissionPriority.Normal;

    /// <summary>The policy named by the submission; null: the default policy.</summary>
    public string? Policy { get; init; }

    /// <summary>Frames given a heatmap (as the classifier stores them beside the frame), with its class.</summary>
    public IReadOnlyDictionary<int, string> Heatmaps { get; init; } = new Dictionary<int, string>();

    /// <summary>Scores that put a frame's weight on Drawing (<paramref name="drawing"/>) and the rest on Neutral.</summary>
    public static IReadOnlyDictionary<string, float> Scores(float drawing) => new Dictionary<string, float>
    {
        ["Drawing"] = drawing,
        ["Hentai"] = 0.01f,
        ["Neutral"] = Math.Max(0, 0.97f - drawing),
        ["Porn"] = 0.01f,
        ["Sexy"] = 0.01f,
    };
}

/// <summary>
/// Plays the frame extractor and classifier: publishes the real contract messages for a medium to the stack's broker and
/// stores SFW frame JPEGs (ffmpeg test patterns) in the blob store under <see cref="BlobStorageExtensions.FrameKey"/>.
/// </summary>
public sealed class MediaSeeder(DashboardStack stack) : IAsyncDisposable
{
    private IBusControl? _bus;

    public async Task PublishAsync(SeededMedium medium)
    {
        var bus = await BusAsync();
        var correlation = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var frames = await FrameJpegsAsync(medium.Frames.Count);
        for (var i = 0; i < medium.Frames.Count; i++)
        {
            var path = Path.Combine(stack.BlobRoot, BlobStorageExtensions.FrameKey(medium.MediaId, i));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(frames[i], path, overwrite: true);
        }

        foreach (var (frame, cls) in medium.Heatmaps)
        {
            var path = Path.Combine(stack.BlobRoot, BlobStorageExtensions.HeatmapKey(medium.MediaId, frame, cls));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(await HeatmapAsync(), path, overwrite: true);
        }

        var duration = medium.Kind == MediaKind.Still ? 0 : medium.IntervalSeconds * medium.Frames.Count;
        await bus.Publish(new MediaSubmitted(medium.MediaId, correlation, BlobStorageExtensions.MediaKey(medium.Sha256), null, medium.Sha256,
            medium.Kind == MediaKind.Still ? "image/jpeg" : "video/mp4", 123_456, medium.ExternalId, null, medium.Priority, medium.Policy, DashboardStack.SeedingClient, now));
        await bus.Publish(new FramesPlanned(medium.MediaId, correlation, medium.Kind, medium.Frames.Count, duration, medium.IntervalSeconds, 640, 480,
            medium.Kind == MediaKind.Still ? "mjpeg" : "h264", medium.Priority, now));
        for (var i = 0; i < medium.Frames.Count; i++)
        {
            await bus.Publish(new FrameClassified(medium.MediaId, correlation, i, i * medium.IntervalSeconds, medium.Frames[i], null,
                "mobilenet_v2", "nsfwjs-mobilenet_v2-test", now)
            {
                HeatmapClasses = medium.Heatmaps.TryGetValue(i, out var heatmap) ? [heatmap] : [],
            });
        }

        await bus.Publish(new FrameExtractionCompleted(medium.MediaId, correlation, medium.Frames.Count, false, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Waits until results has concluded every medium (verdict or failure).</summary>
    public async Task WaitConcludedAsync(params Guid[] mediaIds)
    {
        using var http = stack.ResultsClient(stack.AdminKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var id in mediaIds)
        {
            while (true)
            {
                using var response = await http.GetAsync($"media/{id}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var state = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString();
                    if (state is MediaStates.Completed or MediaStates.Failed)
                    {
                        break;
                    }
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Medium {id} not concluded.\n{stack.Log("results")}");
                }

                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync();
        }
    }

    /// <summary><paramref name="count"/> 224×224 PNGs of ffmpeg's testsrc2 pattern, one a second apart (cached), as the extractor stores frames.</summary>
    private static async Task<IReadOnlyList<string>> FrameJpegsAsync(int count)
    {
        var directory = Path.Combine(TestMedia.CacheDirectory, $"dashboard-frames-png-{count}");
        var paths = Enumerable.Range(1, count).Select(i => Path.Combine(directory, $"{i:D4}.png")).ToList();
        if (paths.All(File.Exists))
        {
            return paths;
        }

        Directory.CreateDirectory(directory);
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=224x224:rate=1",
            "-frames:v", count.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(directory, "%04d.png")]);
        return paths;
    }

    /// <summary>
    /// A heatmap PNG as the classifier writes them (112 × 112, red to yellow, opacity following the activation), here of a
    /// synthetic activation peaking left of and above the centre.
    /// </summary>
    private static Task<string> HeatmapAsync()
    {
        const string Level = "exp(-((X-34)*(X-34)+(Y-40)*(Y-40))/900)";
        return TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "color=c=black:size=112x112", "-vf",
            $"format=rgba,geq=r='255':g='255*{Level}':b='0':a='200*{Level}'", "-frames:v", "1");
    }

    private async Task<IBusControl> BusAsync()
    {
        if (_bus is not null)
        {
            return _bus;
        }

        var endpoint = RabbitMqEndpoint.Parse(stack.RabbitMqUri);
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
        {
            h.Username(endpoint.Username);
            h.Password(endpoint.Password);
            h.PublisherConfirmation = true;
        }));
        await _bus.StartAsync();
        return _bus;
    }
}
