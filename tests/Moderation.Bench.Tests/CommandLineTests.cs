using System.CommandLine;
using System.Diagnostics;
using Moderation.Bench.Cascade;
using Moderation.Bench.Classifier;
using Moderation.Bench.Extractor;
using Moderation.Bench.Load;
using Moderation.Bench.Pdq;
using Moderation.Bench.Stills;
using Moderation.Bench.Video;
using Moderation.Classifier;
using Moderation.ServiceDefaults;
using Moderation.Testing;
using Xunit;

namespace Moderation.Bench.Tests;

/// <summary>
/// The benchmarks' command line, parsed with the real command tree; the benchmarks themselves are replaced by a recorder
/// (they need the running stack). Every option binds under the name scripts and docs use, and a misspelt option, a value
/// out of range or a missing path is an error that runs nothing.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly string RepoRoot = RepoPaths.Root;

    [Fact]
    public async Task Classifier_binds_every_option()
    {
        var manifest = Path.GetTempFileName();
        try
        {
            var run = await ParseAsync(
                "classifier", "--images", "96", "--model", "inception_v3", "--manifest", manifest, "--provider", "TensorRt", "--batch", "64",
                "--wait-ms", "2.5", "--concurrent-batches", "3", "--intra-op", "4", "--spinning", "--preprocess-parallelism", "6", "--rounds", "5",
                "--raw-seconds", "1.5", "--saturate-frames", "300", "--latency-seconds", "7", "--nsfwjs-seconds", "9",
                "--rabbitmq", "amqp://bench:secret@127.0.0.1:5673/bench", "--skip-service", "--skip-nsfwjs",
                "--cuda-option", "prefer_nhwc=1", "--cuda-option", "cudnn_conv_algo_search=HEURISTIC", "--ort-profile", "/tmp/prof");

            Assert.Equal(0, run.Code);
            var settings = Assert.IsType<ClassifierSettings>(run.Settings);
            Assert.Equal(new Dictionary<string, string> { ["prefer_nhwc"] = "1", ["cudnn_conv_algo_search"] = "HEURISTIC" }, settings.CudaOptions);
            Assert.Equal(
                new ClassifierSettings(96, "inception_v3", manifest, ExecutionProviderKind.TensorRt, 64, 2.5, 3, 4, true, 6, 5, 1.5, 300, 7, 9,
                    "amqp://bench:secret@127.0.0.1:5673/bench", SharedBroker: false, SkipService: true, SkipNsfwjs: true, settings.CudaOptions, "/tmp/prof"),
                settings);
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    [Fact]
    public async Task Classifier_defaults_are_the_documented_ones()
    {
        var run = await ParseAsync("classifier");

        Assert.Equal(0, run.Code);
        var settings = Assert.IsType<ClassifierSettings>(run.Settings);
        Assert.Empty(settings.CudaOptions);
        Assert.Equal(
            new ClassifierSettings(480, "mobilenet_v2", null, ExecutionProviderKind.Cpu, 8, 10, 2, 0, false, 0, 3, 6, 1500, 20, 30, null, false, false, false, settings.CudaOptions, null),
            settings);
    }

    [Fact]
    public async Task Extractor_binds_every_option_and_defaults()
    {
        Assert.Equal(new ExtractorSettings(30, 480, 1, false), (await ParseAsync("extractor")).Settings);
        Assert.Equal(new ExtractorSettings(5, 720, 2, true), (await ParseAsync("extractor", "--minutes", "5", "--height", "720", "--runs", "2", "--verbose")).Settings);
    }

    [Fact]
    public async Task Upload_memory_binds_gib_and_defaults_to_one()
    {
        Assert.Equal(new UploadMemorySettings(1), (await ParseAsync("upload-memory")).Settings);
        Assert.Equal(new UploadMemorySettings(0.25), (await ParseAsync("upload-memory", "--gib", "0.25")).Settings);
    }

    [Fact]
    public async Task Stills_binds_every_option_and_defaults()
    {
        Assert.Equal(new StillsSettings(1000, 8, 50, 60, 30, false, null), (await ParseAsync("stills")).Settings);
        Assert.Equal(
            new StillsSettings(200, 4, 0, 15, 10, true, RepoRoot),
            (await ParseAsync("stills", "--count", "200", "--uploaders", "4", "--warmup", "0", "--latency-seconds", "15", "--minutes", "10", "--skip-peer", "--stack", RepoRoot)).Settings);
    }

    [Fact]
    public async Task Video_binds_every_option_and_defaults()
    {
        Assert.Equal(new VideoSettings(32, null), (await ParseAsync("video")).Settings);
        Assert.Equal(new VideoSettings(3, RepoRoot), (await ParseAsync("video", "--minutes", "3", "--stack", RepoRoot)).Settings);
    }

    [Fact]
    public async Task Load_binds_every_option_and_defaults()
    {
        Assert.Equal(new LoadSettings(200, 0.2, 8, false, 0, 20, false, 2, 5), (await ParseAsync("load")).Settings);
        Assert.Equal(
            new LoadSettings(10000, 0.05, 16, true, 6, 105, true, 3, 0.5),
            (await ParseAsync("load", "--media", "10000", "--video-share", "0.05", "--uploaders", "16", "--chaos", "--extractor-concurrency", "6",
                "--minutes", "105", "--soak", "--rate", "3", "--window-minutes", "0.5")).Settings);
    }

    [Fact]
    public async Task Cascade_binds_every_option_and_defaults()
    {
        AssertCascade(new CascadeSettings(CascadeSettings.DefaultCorpora, Moderation.Results.Policies.ModerationPolicy.DefaultCascadeMargin, CascadeSettings.DefaultSweep, 8, 200),
            (await ParseAsync("cascade")).Settings);
        var corpora = Directory.CreateTempSubdirectory("corpora-").FullName;
        try
        {
            AssertCascade(new CascadeSettings(corpora, 0.2f, [0f, 0.25f], 4, 50),
                (await ParseAsync("cascade", "--corpora", corpora, "--margin", "0.2", "--sweep", "0,0.25", "--batch", "4", "--limit", "50")).Settings);
        }
        finally
        {
            Directory.Delete(corpora);
        }
    }

    [Fact]
    public async Task Pdq_index_binds_every_option_and_defaults()
    {
        Assert.Equal(new PdqIndexSettings(10_000_000, 2_000, 100, 1), (await ParseAsync("pdq-index")).Settings);
        Assert.Equal(
            new PdqIndexSettings(200_000, 50, 10, 7),
            (await ParseAsync("pdq-index", "--hashes", "200000", "--queries", "50", "--sample", "10", "--seed", "7")).Settings);
    }

    [Fact]
    public async Task Pdq_agreement_binds_every_option_and_defaults()
    {
        var reference = Path.GetTempFileName();
        try
        {
            var plain = (PdqAgreementSettings)(await ParseAsync("pdq-agreement")).Settings!;
            Assert.Equal((null, 0, false, false, 20), (plain.Reference, plain.Pictures.Count, plain.SkipPhotos, plain.WriteVectors, plain.Repeats));

            var run = await ParseAsync("pdq-agreement", "--reference", reference, "--pictures", RepoRoot, "--pictures", Path.GetTempPath(), "--skip-photos",
                "--write-vectors", "--repeats", "5");
            var settings = (PdqAgreementSettings)run.Settings!;
            Assert.Equal(reference, settings.Reference!.FullName);
            Assert.Equal([RepoRoot.TrimEnd('/'), Path.GetTempPath().TrimEnd('/')], settings.Pictures.Select(d => d.FullName.TrimEnd('/')));
            Assert.Equal((true, true, 5), (settings.SkipPhotos, settings.WriteVectors, settings.Repeats));
        }
        finally
        {
            File.Delete(reference);
        }
    }

    [Fact]
    public async Task Pdq_edits_binds_skip_photos()
    {
        Assert.Equal(new PdqEditsSettings(false), (await ParseAsync("pdq-edits")).Settings);
        Assert.Equal(new PdqEditsSettings(true), (await ParseAsync("pdq-edits", "--skip-photos")).Settings);
    }

    /// <summary>The invocations docs/benchmarks.md and bench/gpu.sh print, word for word.</summary>
    [Theory]
    [InlineData("upload-memory", "--gib", "1")]
    [InlineData("extractor", "--runs", "2", "--verbose")]
    [InlineData("classifier")]
    [InlineData("classifier", "--provider", "Cuda", "--batch", "64", "--concurrent-batches", "3", "--skip-nsfwjs")]
    [InlineData("classifier", "--provider", "TensorRt", "--batch", "128", "--concurrent-batches", "3")]
    [InlineData("classifier", "--provider", "Cuda", "--batch", "64", "--concurrent-batches", "3", "--skip-nsfwjs", "--cuda-option", "prefer_nhwc=1", "--ort-profile", "/tmp/prof")]
    [InlineData("load", "--media", "80", "--video-share", "0.2", "--chaos", "--minutes", "5")]
    [InlineData("load", "--media", "10000", "--video-share", "0.05", "--soak", "--rate", "3", "--chaos", "--extractor-concurrency", "6", "--window-minutes", "5", "--minutes", "105")]
    [InlineData("load", "--media", "5000", "--video-share", "0.02", "--soak", "--rate", "20", "--chaos", "--window-minutes", "1", "--minutes", "20")]
    [InlineData("stills", "--count", "1000", "--uploaders", "8", "--warmup", "50", "--latency-seconds", "60", "--skip-peer")]
    [InlineData("video", "--minutes", "32")]
    [InlineData("cascade", "--limit", "120")]
    [InlineData("pdq-index", "--hashes", "10000000", "--queries", "2000", "--sample", "100")]
    [InlineData("pdq-agreement")]
    [InlineData("pdq-edits")]
    public async Task The_documented_invocations_still_parse(params string[] args)
    {
        var run = await ParseAsync(args);

        Assert.True(run.Code == 0, run.Output);
        Assert.NotNull(run.Settings);
    }

    [Theory]
    [InlineData("load", "--medai", "80")]
    [InlineData("load", "--media", "80", "--choas")]
    [InlineData("classifier", "--skip-nsfw")]
    [InlineData("classifier", "--batch")]
    [InlineData("classifier", "--batch", "eight")]
    [InlineData("classifier", "--provider", "Gpu")]
    [InlineData("classifier", "--cuda-option", "prefer_nhwc")]
    [InlineData("classifier", "--cuda-option", "=1")]
    [InlineData("classifier", "--model", "resnet50")]
    [InlineData("classifier", "--manifest", "/nonexistent/model.json")]
    [InlineData("classifier", "--rabbitmq", "http://127.0.0.1:5672/")]
    [InlineData("classifier", "--rabbitmq", "amqp://127.0.0.1:5672/", "--shared-broker")]
    [InlineData("extractor", "--verbose", "yes-please")]
    [InlineData("extractor", "--height", "481")]
    [InlineData("upload-memory", "1")]
    [InlineData("stills", "--stack", "/nonexistent/repo")]
    [InlineData("video", "--minute", "3")]
    [InlineData("cascade", "--corpora", "/nonexistent/corpora")]
    [InlineData("cascade", "--sweep", "0,wide")]
    [InlineData("clasifier")]
    [InlineData("pdq-agreement", "--reference", "/nonexistent/pdq-photo-hasher")]
    [InlineData("pdq-agreement", "--write-vectors")]
    [InlineData("pdq-agreement", "--pictures", "/tmp")]
    [InlineData("pdq-index", "--hashes", "ten")]
    [InlineData]
    public async Task A_wrong_command_line_is_an_error_with_usage_and_runs_nothing(params string[] args)
    {
        var run = await ParseAsync(args);

        Assert.Equal(1, run.Code);
        Assert.Null(run.Settings);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("load", "--media", "5", "--media must be between 10 and 10000")]
    [InlineData("load", "--video-share", "1.5", "--video-share must be between 0 and 1")]
    [InlineData("load", "--uploaders", "0", "--uploaders must be between 1 and 64")]
    [InlineData("load", "--minutes", "500", "--minutes must be between 1 and 240")]
    [InlineData("load", "--rate", "3", "--rate and --window-minutes apply to --soak only")]
    [InlineData("stills", "--count", "5", "--count must be between 10 and 20000")]
    [InlineData("stills", "--warmup", "-1", "--warmup must be between 0 and 1000")]
    [InlineData("video", "--minutes", "0", "--minutes must be between 1 and 180")]
    [InlineData("extractor", "--runs", "0", "--runs must be between 1 and 20")]
    [InlineData("classifier", "--batch", "2048", "--batch must be between 1 and 1024")]
    [InlineData("classifier", "--concurrent-batches", "17", "--concurrent-batches must be between 1 and 16")]
    [InlineData("upload-memory", "--gib", "0", "--gib must be between 0.01 and 64")]
    [InlineData("cascade", "--margin", "1.5", "--margin must be between 0 and 1")]
    [InlineData("cascade", "--sweep", "0,1.5", "--sweep takes margins between 0 and 1")]
    [InlineData("pdq-index", "--hashes", "5", "--hashes must be between 10000 and 50000000")]
    [InlineData("pdq-index", "--sample", "0", "--sample must be between 1 and 10000")]
    [InlineData("pdq-agreement", "--repeats", "0", "--repeats must be between 1 and 1000")]
    public async Task A_value_out_of_range_is_refused_instead_of_clamped(string command, string option, string value, string message)
    {
        var run = await ParseAsync(command, option, value);

        Assert.Equal(1, run.Code);
        Assert.Null(run.Settings);
        Assert.Contains(message, run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("classifier", "--images", "--model", "--manifest", "--provider", "--batch", "--wait-ms", "--concurrent-batches", "--intra-op", "--spinning",
        "--preprocess-parallelism", "--rounds", "--raw-seconds", "--saturate-frames", "--latency-seconds", "--nsfwjs-seconds", "--rabbitmq", "--shared-broker",
        "--skip-service", "--skip-nsfwjs")]
    [InlineData("extractor", "--minutes", "--height", "--runs", "--verbose")]
    [InlineData("upload-memory", "--gib")]
    [InlineData("stills", "--count", "--uploaders", "--warmup", "--latency-seconds", "--minutes", "--skip-peer", "--stack")]
    [InlineData("video", "--minutes", "--stack")]
    [InlineData("load", "--media", "--video-share", "--uploaders", "--chaos", "--extractor-concurrency", "--minutes", "--soak", "--rate", "--window-minutes")]
    [InlineData("cascade", "--corpora", "--margin", "--sweep", "--batch", "--limit")]
    [InlineData("pdq-index", "--hashes", "--queries", "--sample", "--seed")]
    [InlineData("pdq-agreement", "--reference", "--pictures", "--skip-photos", "--write-vectors", "--repeats")]
    [InlineData("pdq-edits", "--skip-photos")]
    public async Task Help_on_each_benchmark_lists_its_options_and_runs_nothing(string command, params string[] options)
    {
        var run = await ParseAsync(command, "--help");

        Assert.Equal(0, run.Code);
        Assert.Null(run.Settings);
        Assert.All(options, option => Assert.Contains($"  {option} ", run.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_on_the_root_lists_every_benchmark()
    {
        var run = await ParseAsync("--help");

        Assert.Equal(0, run.Code);
        Assert.All(new[] { "classifier", "extractor", "upload-memory", "stills", "video", "load", "pdq-index", "pdq-agreement", "pdq-edits", "cascade" },
            command => Assert.Contains($"  {command} ", run.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_program_exits_non_zero_on_a_misspelt_option_before_starting_anything()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { typeof(BenchCommandLine).Assembly.Location, "load", "--medai", "80" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("'--medai'", await stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", await stdout, StringComparison.Ordinal);
    }

    // A record compares its list by reference: the sweep is compared by value.
    private static void AssertCascade(CascadeSettings expected, object? parsed)
    {
        var actual = Assert.IsType<CascadeSettings>(parsed);
        Assert.Equal(expected.Sweep, actual.Sweep);
        Assert.Equal(expected, actual with { Sweep = expected.Sweep });
    }

    private static async Task<(int Code, object? Settings, string Output)> ParseAsync(params string[] args)
    {
        object? received = null;
        Task<int> Record(object settings)
        {
            received = settings;
            return Task.FromResult(0);
        }

        var root = BenchCommandLine.Create(new Benchmarks(Record, Record, Record, Record, Record, Record, Record, Record, Record, Record));
        using var output = new StringWriter();
        var code = await ServiceCommandLine.InvokeAsync(root, args, new InvocationConfiguration { Output = output, Error = output });
        return (code, received, output.ToString());
    }
}
