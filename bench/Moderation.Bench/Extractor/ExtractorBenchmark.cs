using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extensions;
using Moderation.FrameExtractor.Extraction;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Moderation.Model;
using Moderation.Testing;

namespace Moderation.Bench.Extractor;

/// <summary>
/// Time-to-verdict of frame sampling on a generated 30-minute 480p H.264 video (cached under .data/bench):
/// (a) the seed proposal's way — decode every frame in order into full-resolution BGR (what OpenCV's
/// <c>VideoCapture.read</c> hands a Python loop), keep every Nth, resize and JPEG-encode the kept ones — against
/// (b) the extractor's pipeline — probe, keyframe-aware plan, parallel segments, ffmpeg-side scaling, frames streamed.
/// Both sample with the same interval rule and the same model input size.
/// <code>dotnet run -c Release --project bench/Moderation.Bench -- extractor [--minutes 30] [--height 480] [--runs 1] [--verbose]</code>
/// </summary>
public static class ExtractorBenchmark
{
    public static async Task<int> RunAsync(ExtractorSettings settings)
    {
        var (minutes, height, runs, verbose) = settings;
        var width = (int)Math.Round(height * 16 / 9.0 / 2) * 2;
        var video = await VideoAsync(minutes, width, height);
        var manifest = Manifest();
        var sampling = new SamplingOptions();
        var schedule = SamplingRule.For(minutes * 60.0, sampling);

        Console.WriteLine($"video: {video} ({new FileInfo(video).Length / 1e6:0.#} MB, {minutes} min {width}x{height} 30 fps H.264, x264 default keyframe interval)");
        Console.WriteLine($"sampling: every {schedule.IntervalSeconds:0.##} s ({schedule.FrameCount} planned) to {manifest.Width}x{manifest.Height} JPEG; {Environment.ProcessorCount} cores");

        var seed = new List<Timing>();
        var sequential = new List<Timing>();
        var ours = new List<Timing>();
        for (var run = 0; run < runs; run++)
        {
            ours.Add(await OursAsync(video, manifest.Path, verbose));
            sequential.Add(await SequentialInFfmpegAsync(video, manifest, schedule.IntervalSeconds));
            seed.Add(await SeedAsync(video, width, height, manifest, schedule.IntervalSeconds));
        }

        var a = seed.MinBy(t => t.Last)!;
        var a2 = sequential.MinBy(t => t.Last)!;
        var b = ours.MinBy(t => t.Last)!;
        Console.WriteLine();
        Console.WriteLine("| path | frames | time to first frame | time to last frame (verdict) |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| (a) seed: decode every frame to BGR, keep every Nth | {a.Frames} | {a.First.TotalSeconds:0.00} s | {a.Last.TotalSeconds:0.00} s |");
        Console.WriteLine($"| (a') same sampling inside one ffmpeg (no BGR pipe) | {a2.Frames} | {a2.First.TotalSeconds:0.00} s | {a2.Last.TotalSeconds:0.00} s |");
        Console.WriteLine($"| (b) extractor: {b.Note} | {b.Frames} | {b.First.TotalSeconds:0.00} s | {b.Last.TotalSeconds:0.00} s |");
        Console.WriteLine();
        var ratio = a.Last / b.Last;
        Console.WriteLine($"speed-up to verdict: {ratio:0.0}x over (a) (target >= 10x), {a2.Last / b.Last:0.0}x over (a'); to first frame: {a.First / b.First:0.0}x");
        return ratio >= 10 ? 0 : 1;
    }

    private sealed record Timing(int Frames, TimeSpan First, TimeSpan Last, string Note);

    private sealed record ManifestInfo(string Path, int Width, int Height);

    /// <summary>(b): the service's own pipeline, composed as the service composes it, publishing into a stopwatch.</summary>
    private static async Task<Timing> OursAsync(string video, string manifestPath, bool verbose)
    {
        var scratch = Directory.CreateTempSubdirectory("bench-extractor-").FullName;
        try
        {
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning));
            services.AddMetrics();
            services.AddSingleton(Options.Create(new SamplingOptions()));
            services.AddSingleton(Options.Create(new MediaLimitsOptions()));
            services.AddSingleton(Options.Create(new FfmpegOptions()));
            services.AddSingleton(Options.Create(new ExtractionOptions { TempDirectory = scratch, SegmentParallelism = Environment.ProcessorCount }));
            var blobRoot = Path.GetDirectoryName(video)!;
            services.AddSingleton<IBlobStore>(new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Root = blobRoot })));
            services.AddFrameExtraction();
            await using var provider = services.BuildServiceProvider();
            var extractor = provider.GetRequiredService<MediaExtractor>();

            var publisher = new StopwatchPublisher();
            var submitted = new MediaSubmitted(Guid.NewGuid(), Guid.NewGuid(), Path.GetFileName(video), null, null, "video/mp4",
                new FileInfo(video).Length, null, null, SubmissionPriority.Normal, null, "bench", DateTimeOffset.UtcNow);
            var outcome = await extractor.ExtractAsync(submitted, publisher, CancellationToken.None);
            if (outcome != ExtractionOutcome.Completed)
            {
                throw new InvalidOperationException($"The extractor ended with {outcome}: {publisher.Failure}");
            }

            Console.WriteLine($"(b) extractor: {publisher.Frames} frames, first after {publisher.First.TotalSeconds:0.00} s, last after {publisher.Last.TotalSeconds:0.00} s ({publisher.Plan})");
            return new Timing(publisher.Frames, publisher.First, publisher.Last, publisher.Plan);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// (a): one ffmpeg decodes every frame to full-resolution BGR24 on a pipe (OpenCV's FFmpeg backend, same default
    /// decoder threads); this loop reads each frame, keeps every Nth and hands it to a second ffmpeg that resizes and
    /// encodes it (cv2.resize + cv2.imencode).
    /// </summary>
    private static async Task<Timing> SeedAsync(string video, int width, int height, ManifestInfo manifest, double interval)
    {
        const double fps = 30;
        var keepEvery = (int)Math.Round(interval * fps);
        var clock = Stopwatch.StartNew();
        using var decoder = Start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", video, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        using var encoder = Start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-i", "pipe:0",
            "-vf", $"scale={manifest.Width}:{manifest.Height}:flags=bilinear,format=yuvj420p", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "pipe:1"]);
        var firstJpeg = TimeSpan.Zero;
        var jpegs = Task.Run(async () =>
        {
            var reader = new Moderation.FrameExtractor.Media.JpegStreamReader(encoder.StandardOutput.BaseStream, 4 * 1024 * 1024);
            var count = 0;
            while (await reader.ReadAsync(CancellationToken.None) is not null)
            {
                if (count++ == 0)
                {
                    firstJpeg = clock.Elapsed;
                }
            }

            return count;
        });

        var frame = new byte[width * height * 3];
        var input = decoder.StandardOutput.BaseStream;
        var decoded = 0;
        while (await ReadFrameAsync(input, frame))
        {
            if (decoded++ % keepEvery == 0)
            {
                await encoder.StandardInput.BaseStream.WriteAsync(frame);
                await encoder.StandardInput.BaseStream.FlushAsync();
            }
        }

        encoder.StandardInput.Close();
        var kept = await jpegs;
        await Task.WhenAll(decoder.WaitForExitAsync(), encoder.WaitForExitAsync());
        var last = clock.Elapsed;
        Console.WriteLine($"(a) seed: decoded {decoded} frames, kept {kept}, first after {firstJpeg.TotalSeconds:0.00} s, last after {last.TotalSeconds:0.00} s");
        return new Timing(kept, firstJpeg, last, "");
    }

    /// <summary>
    /// (a'): the seed's sampling done as cheaply as sequential decoding allows — one ffmpeg decodes every frame and keeps
    /// every Nth with a select filter, scaling and encoding in-process — to show how much of (b)'s lead is the keyframe plan.
    /// </summary>
    private static async Task<Timing> SequentialInFfmpegAsync(string video, ManifestInfo manifest, double interval)
    {
        var keepEvery = (int)Math.Round(interval * 30);
        var clock = Stopwatch.StartNew();
        using var ffmpeg = Start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", video, "-map", "0:v:0",
            "-vf", $"select=not(mod(n\\,{keepEvery})),scale={manifest.Width}:{manifest.Height}:flags=bilinear,format=yuvj420p",
            "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "pipe:1"]);
        ffmpeg.StandardInput.Close();
        var reader = new Moderation.FrameExtractor.Media.JpegStreamReader(ffmpeg.StandardOutput.BaseStream, 4 * 1024 * 1024);
        var count = 0;
        var first = TimeSpan.Zero;
        while (await reader.ReadAsync(CancellationToken.None) is not null)
        {
            if (count++ == 0)
            {
                first = clock.Elapsed;
            }
        }

        await ffmpeg.WaitForExitAsync();
        Console.WriteLine($"(a') sequential in ffmpeg: kept {count}, first after {first.TotalSeconds:0.00} s, last after {clock.Elapsed.TotalSeconds:0.00} s");
        return new Timing(count, first, clock.Elapsed, "");
    }

    private static async Task<bool> ReadFrameAsync(Stream input, byte[] frame)
    {
        var filled = 0;
        while (filled < frame.Length)
        {
            var read = await input.ReadAsync(frame.AsMemory(filled));
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }

    private static Process Start(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
    }

    /// <summary>The benchmark video, generated once (x264 veryfast, default keyframe interval of 250 frames) and cached.</summary>
    internal static async Task<string> VideoAsync(int minutes, int width, int height)
    {
        var directory = Path.Combine(RepoPaths.Data, "bench");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"bench-{minutes}min-{height}p.mp4");
        if (!File.Exists(path))
        {
            Console.WriteLine($"generating {path} (once; a few minutes)…");
            var partial = path + ".partial.mp4";
            await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", (minutes * 60).ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", partial], TimeSpan.FromMinutes(30));
            File.Move(partial, path);
        }

        return path;
    }

    /// <summary>The real model's manifest when present (MODERATION_MODEL_DIR), else a 224×224 stand-in: only the input size matters here.</summary>
    private static ManifestInfo Manifest()
    {
        var real = Path.Combine(TestModel.Directory, "mobilenet_v2", "model.json");
        if (File.Exists(real))
        {
            var input = ModelManifest.Load(real).Input;
            return new ManifestInfo(real, input.Width, input.Height);
        }

        var path = Path.Combine(RepoPaths.Data, "bench", "model.json");
        new ModelManifest
        {
            Name = "bench",
            Version = "0",
            File = "none.onnx",
            Sha256 = new string('0', 64),
            Source = new ModelSource("none", "0", "none", "none", "none"),
            Input = new ModelInput("input", 224, 224, 3, "NHWC", "RGB", "bilinear-align-corners", 1 / 255f, 0),
            Outputs = new ModelOutputs("probabilities", "embedding", 1),
            Classes = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"],
        }.Save(path);
        return new ManifestInfo(path, 224, 224);
    }

    /// <summary>Records when the first and last frame were published, measured from the submission.</summary>
    private sealed class StopwatchPublisher : IExtractionPublisher
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _frames;

        public int Frames => _frames;

        public TimeSpan First { get; private set; }

        public TimeSpan Last { get; private set; }

        public string Plan { get; private set; } = "";

        public string? Failure { get; private set; }

        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class, IMediaMessage
        {
            switch (message)
            {
                case FramesPlanned planned:
                    Plan = $"{planned.PlannedFrames} frames planned every {planned.IntervalSeconds:0.##} s after {_clock.Elapsed.TotalSeconds:0.00} s";
                    break;
                case FrameExtracted:
                    if (Interlocked.Increment(ref _frames) == 1)
                    {
                        First = _clock.Elapsed;
                    }

                    break;
                case FrameExtractionCompleted:
                    Last = _clock.Elapsed;
                    break;
                case MediaFailed failed:
                    Failure = $"{failed.Reason}: {failed.Detail}";
                    break;
            }

            return Task.CompletedTask;
        }
    }
}
