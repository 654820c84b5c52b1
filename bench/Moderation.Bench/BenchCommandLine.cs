using System.CommandLine;
using Moderation.Bench.Cascade;
using Moderation.Bench.Classifier;
using Moderation.Bench.Extractor;
using Moderation.Bench.Load;
using Moderation.Bench.Pdq;
using Moderation.Bench.Stills;
using Moderation.Bench.Video;

namespace Moderation.Bench;

/// <summary>What each subcommand runs once its options are parsed (the benchmarks; tests record the settings instead).</summary>
internal sealed record Benchmarks(
    Func<ClassifierSettings, Task<int>> Classifier,
    Func<ExtractorSettings, Task<int>> Extractor,
    Func<UploadMemorySettings, Task<int>> UploadMemory,
    Func<StillsSettings, Task<int>> Stills,
    Func<VideoSettings, Task<int>> Video,
    Func<LoadSettings, Task<int>> Load,
    Func<PdqIndexSettings, Task<int>> PdqIndex,
    Func<PdqAgreementSettings, Task<int>> PdqAgreement,
    Func<PdqEditsSettings, Task<int>> PdqEdits,
    Func<CascadeSettings, Task<int>> Cascade)
{
    public static Benchmarks Real { get; } = new(
        ClassifierBenchmark.RunAsync,
        ExtractorBenchmark.RunAsync,
        UploadMemoryBenchmark.RunAsync,
        StillsBenchmark.RunAsync,
        VideoBenchmark.RunAsync,
        LoadBenchmark.RunAsync,
        PdqIndexBenchmark.RunAsync,
        PdqAgreementBenchmark.RunAsync,
        PdqEditsBenchmark.RunAsync,
        CascadeBenchmark.RunAsync);
}

/// <summary>
/// One subcommand per benchmark on the shared command host: <c>Moderation.Bench &lt;benchmark&gt; [options]</c>, with
/// <c>--help</c> on the root and on each; a misspelt option or a value out of range is an error (exit code 1) before
/// anything is generated or started.
/// </summary>
internal static class BenchCommandLine
{
    public static RootCommand Create(Benchmarks benchmarks) =>
        new("The benchmarks. Each prints its report (and most write it under .data/bench); see docs/benchmarks.md.")
        {
            ClassifierSettings.CreateCommand(benchmarks.Classifier),
            ExtractorSettings.CreateCommand(benchmarks.Extractor),
            UploadMemorySettings.CreateCommand(benchmarks.UploadMemory),
            StillsSettings.CreateCommand(benchmarks.Stills),
            VideoSettings.CreateCommand(benchmarks.Video),
            LoadSettings.CreateCommand(benchmarks.Load),
            PdqIndexSettings.CreateCommand(benchmarks.PdqIndex),
            PdqAgreementSettings.CreateCommand(benchmarks.PdqAgreement),
            PdqEditsSettings.CreateCommand(benchmarks.PdqEdits),
            CascadeSettings.CreateCommand(benchmarks.Cascade),
        };
}
