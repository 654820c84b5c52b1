using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.Bench.Stack;
using Moderation.Classifier;
using Moderation.Classifier.Inference;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.Testing;

namespace Moderation.Bench.Cascade;

/// <summary>
/// The cascade on benign pictures only (scripts/corpora), in process with the classifier's own classes and default
/// settings: per corpus, MobileNetV2 alone (the service's path with the single-model configuration), the cascade at
/// <see cref="CascadeSettings.Margin"/> (<see cref="FrameCascade"/>, its escalations decoded again and batched for
/// InceptionV3) and InceptionV3 alone, each timed in process CPU time (decode, resize and inference; the machine is
/// shared, so wall time would measure the neighbours). The decisions are the results service's own
/// (<see cref="ModerationPolicy"/>) under the seeded default policy. The trade-off curve recomputes the cascade for
/// other band margins and combination rules from every picture's scores of both models; its CPU is MobileNetV2's
/// per medium plus the escalated share of InceptionV3's, as measured.
/// </summary>
internal static class CascadeBenchmark
{
    private static readonly string[] KindOrder = ["wallpaper", "photographic", "clip art"];

    public static async Task<int> RunAsync(CascadeSettings settings)
    {
        var modelDirectory = Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Data, "models");
        var firstManifest = Path.Combine(modelDirectory, "mobilenet_v2", "model.json");
        var secondManifest = Path.Combine(modelDirectory, "inception_v3", "model.json");
        if (!File.Exists(firstManifest) || !File.Exists(secondManifest))
        {
            await Console.Error.WriteLineAsync($"The models are missing under {modelDirectory}: run scripts/model.");
            return 1;
        }

        var corpora = Directory.Exists(settings.Corpora)
            ? Directory.GetDirectories(settings.Corpora).Where(d => File.Exists(Path.Combine(d, "MANIFEST.tsv"))).Select(Corpus.Load)
                .OrderBy(c => Array.IndexOf(KindOrder, c.Kind)).ThenBy(c => c.Name, StringComparer.Ordinal).ToList()
            : [];
        if (corpora.Count == 0)
        {
            await Console.Error.WriteLineAsync($"No corpora under {settings.Corpora}: run scripts/corpora.");
            return 1;
        }

        var options = new ClassifierOptions { ManifestPath = firstManifest, EscalationManifestPath = secondManifest, MaxBatchSize = settings.Batch };
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ClassifierMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var first = new OnnxFrameClassifier(Options.Create(options), metrics, NullLogger<OnnxFrameClassifier>.Instance);
        using var escalation = new EscalationModel(Options.Create(options), metrics, NullLogger<EscalationModel>.Instance);
        first.WarmUp();
        escalation.Classifier!.WarmUp();
        var preprocessor = new FramePreprocessor(first, Options.Create(options));
        var cascade = new FrameCascade(escalation, metrics);
        var policy = ResultsDbContext.SeededDefaultPolicy();
        policy.Models = ModelConfigurations.CascadeV1;
        policy.CascadeMargin = settings.Margin;
        var single = new CascadeChoice(ModelConfigurations.MobileNetV2, null, ScoreRules.SingleModel);
        var cascaded = new CascadeChoice(ModelConfigurations.CascadeV1, ModerationPolicy.Band(policy), ScoreRules.Escalated);
        var classes = first.Model.Classes;

        var runs = new List<CorpusRun>();
        foreach (var corpus in corpora)
        {
            var pictures = corpus.Files.Take(settings.Limit).Select(f => new FrameInput(File.ReadAllBytes(Path.Combine(corpus.Directory, f)))).ToList();
            Console.WriteLine($"{corpus.Name}: {pictures.Count} pictures ({corpus.Kind})");
            var (alone, aloneCpu) = await ScoreAsync(pictures, settings.Batch, (p, ct) => RunFirstAsync(first, preprocessor, cascade, p, single, ct));
            var (withCascade, cascadeCpu) = await ScoreAsync(pictures, settings.Batch, (p, ct) => RunFirstAsync(first, preprocessor, cascade, p, cascaded, ct));
            var (second, secondCpu) = await ScoreAsync(pictures, settings.Batch, (p, ct) => RunSecondAsync(escalation, p, ct));
            runs.Add(new CorpusRun(corpus, [.. corpus.Files.Take(pictures.Count)], alone, withCascade, [.. second.Select(s => s.Scores)], aloneCpu, cascadeCpu, secondCpu));
            Console.WriteLine($"  CPU per picture: MobileNetV2 {Ms(aloneCpu, pictures.Count)} ms, cascade {Ms(cascadeCpu, pictures.Count)} ms, InceptionV3 {Ms(secondCpu, pictures.Count)} ms");
        }

        var report = Report(runs, policy, settings, classes, first.Model.Version);
        Console.WriteLine(report.Markdown);
        ResultFiles.Save("cascade", DateTime.UtcNow, report.Numbers, report.Markdown);
        return 0;
    }

    private static async Task<(List<FrameScoring> Scores, TimeSpan Cpu)> ScoreAsync(List<FrameInput> pictures, int batch,
        Func<FrameInput[], CancellationToken, Task<FrameScoring?[]>> run)
    {
        var scores = new List<FrameScoring>(pictures.Count);
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var chunk in pictures.Chunk(batch))
        {
            foreach (var scoring in await run(chunk, CancellationToken.None))
            {
                scores.Add(scoring ?? throw new InvalidOperationException("A corpus picture could not be decoded."));
            }
        }

        return (scores, Process.GetCurrentProcess().TotalProcessorTime - before);
    }

    /// <summary>The consumer's path: decode for the first model, infer, then the cascade (which escalates in-band frames of a cascade choice).</summary>
    private static async Task<FrameScoring?[]> RunFirstAsync(OnnxFrameClassifier first, FramePreprocessor preprocessor, FrameCascade cascade, FrameInput[] pictures,
        CascadeChoice choice, CancellationToken cancellationToken)
    {
        var batch = first.Batches.Rent();
        try
        {
            var slots = preprocessor.Fill(batch, pictures);
            await first.ClassifyAsync(batch, cancellationToken);
            return await cascade.ScoreAsync(first.Model.Classes, batch, slots, pictures, [.. pictures.Select(_ => choice)], head: null, cancellationToken);
        }
        finally
        {
            first.Batches.Return(batch);
        }
    }

    /// <summary>InceptionV3 alone on every picture: what an escalation costs, and the second model's own flagged rate.</summary>
    private static async Task<FrameScoring?[]> RunSecondAsync(EscalationModel escalation, FrameInput[] pictures, CancellationToken cancellationToken)
    {
        var second = escalation.Classifier!;
        var batch = second.Batches.Rent();
        try
        {
            var slots = escalation.Preprocessor!.Fill(batch, pictures);
            await second.ClassifyAsync(batch, cancellationToken);
            return [.. slots.Select(s => s.Decoded
                ? new FrameScoring(batch.ScoresOf(s.Slot).ToArray(), second.Model.Name, ScoreRules.SingleModel, batch.ScoresOf(s.Slot).ToArray(), null)
                : null)];
        }
        finally
        {
            second.Batches.Return(batch);
        }
    }

    private static (CascadeNumbers Numbers, string Markdown) Report(List<CorpusRun> runs, PolicyVersion policy, CascadeSettings settings, IReadOnlyList<string> classes,
        string modelVersion)
    {
        Decision Decide(IReadOnlyList<float> scores) =>
            ModerationPolicy.Decide(policy, classes.Select((c, i) => (c, scores[i])).ToDictionary(p => p.c, p => p.Item2)).Decision;
        bool Flagged(IReadOnlyList<float> scores) => Decide(scores) != Decision.Allow;

        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"# Cascade on benign corpora ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        md.AppendLine();
        md.AppendLine(inv, $"nsfwjs {modelVersion}; default policy (block Porn/Hentai ≥ 0.9, review Porn/Hentai/Sexy ≥ 0.5); cascade-v1 with band margin {settings.Margin:0.##}; " +
            $"batches of {settings.Batch}; {Environment.ProcessorCount} processors; CPU = process CPU time (decode + resize + inference) per picture.");
        md.AppendLine();
        md.AppendLine("| corpus | kind | pictures | flagged MobileNetV2 | flagged InceptionV3 | flagged cascade (blocked) | escalated | CPU/medium MobileNetV2 | CPU/medium cascade | × | CPU/medium InceptionV3 |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var rows = new List<CorpusNumbers>();
        void Row(string name, string kind, IReadOnlyList<CorpusRun> of)
        {
            var n = of.Sum(r => r.Files.Count);
            var mn = of.Sum(r => r.Alone.Count(s => Flagged(s.Scores)));
            var inc = of.Sum(r => r.Second.Count(s => Flagged(s)));
            var cas = of.Sum(r => r.Cascade.Count(s => Flagged(s.Scores)));
            var casBlocked = of.Sum(r => r.Cascade.Count(s => Decide(s.Scores) == Decision.Block));
            var esc = of.Sum(r => r.Cascade.Count(s => s.Rule == ScoreRules.Escalated));
            var aloneMs = of.Sum(r => r.AloneCpu.TotalMilliseconds) / n;
            var cascadeMs = of.Sum(r => r.CascadeCpu.TotalMilliseconds) / n;
            var secondMs = of.Sum(r => r.SecondCpu.TotalMilliseconds) / n;
            rows.Add(new CorpusNumbers(name, kind, n, mn, inc, cas, esc, aloneMs, cascadeMs, secondMs));
            md.AppendLine(inv, $"| {name} | {kind} | {n} | {Pct(mn, n)} ({mn}) | {Pct(inc, n)} ({inc}) | {Pct(cas, n)} ({cas}; {casBlocked}) | {Pct(esc, n)} ({esc}) | {aloneMs:0.0} ms | {cascadeMs:0.0} ms | {cascadeMs / aloneMs:0.00} | {secondMs:0.0} ms |");
        }

        foreach (var run in runs)
        {
            Row(run.Corpus.Name, run.Corpus.Kind, [run]);
        }

        var counted = runs.Where(r => r.Corpus.Kind != "clip art").ToList();
        Row("**photographic + wallpaper**", "all counted", counted);

        md.AppendLine();
        md.AppendLine("Trade-off (photographic + wallpaper corpora together; clip art apart): the cascade recomputed from both models' scores of every picture for each band margin and two rules for escalated frames — `inception`: InceptionV3's scores replace MobileNetV2's, `mean`: the mean of the two (cascade-v1). Flagged = review or block, with the blocks in brackets. CPU/medium is MobileNetV2's measured CPU plus the escalated share of InceptionV3's.");
        md.AppendLine();
        md.AppendLine("| margin | band (Porn/Hentai; Sexy) | escalated | flagged, inception | worst corpus, inception | flagged, mean | worst corpus, mean | est. CPU/medium | × MobileNetV2 | clip art escalated | clip art flagged, inception | clip art flagged, mean |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var curve = new List<CurvePoint>();
        var aloneCpu = counted.Sum(r => r.AloneCpu.TotalMilliseconds) / counted.Sum(r => r.Files.Count);
        var secondCpu = counted.Sum(r => r.SecondCpu.TotalMilliseconds) / counted.Sum(r => r.Files.Count);
        foreach (var margin in settings.Sweep)
        {
            policy.CascadeMargin = margin;
            var band = ModerationPolicy.Band(policy);
            (int Escalated, int Inception, int Mean, double WorstInception, double WorstMean, int BlockedInception, int BlockedMean) Over(IEnumerable<CorpusRun> of)
            {
                int e = 0, i = 0, m = 0, bi = 0, bm = 0;
                double worstI = 0, worstM = 0;
                foreach (var run in of)
                {
                    int ri = 0, rm = 0;
                    for (var k = 0; k < run.Files.Count; k++)
                    {
                        var mn = run.Alone[k].Scores;
                        var escalated = FrameCascade.Decide(band, classes, mn) == ScoreRules.Escalated;
                        e += escalated ? 1 : 0;
                        var inception = Decide(escalated ? run.Second[k] : mn);
                        var mean = Decide(escalated ? FrameCascade.Combine(mn, run.Second[k]) : mn);
                        ri += inception != Decision.Allow ? 1 : 0;
                        rm += mean != Decision.Allow ? 1 : 0;
                        bi += inception == Decision.Block ? 1 : 0;
                        bm += mean == Decision.Block ? 1 : 0;
                    }

                    i += ri;
                    m += rm;
                    worstI = Math.Max(worstI, (double)ri / run.Files.Count);
                    worstM = Math.Max(worstM, (double)rm / run.Files.Count);
                }

                return (e, i, m, worstI, worstM, bi, bm);
            }

            var n = counted.Sum(r => r.Files.Count);
            var all = Over(counted);
            var clip = runs.Where(r => r.Corpus.Kind == "clip art").ToList();
            var clipN = clip.Sum(r => r.Files.Count);
            var clipOver = Over(clip);
            var estimate = aloneCpu + (double)all.Escalated / n * secondCpu;
            curve.Add(new CurvePoint(margin, (double)all.Escalated / n, (double)all.Inception / n, all.WorstInception, (double)all.Mean / n, all.WorstMean, estimate, estimate / aloneCpu));
            var from = band.EscalateFrom.GetValueOrDefault("Porn");
            md.AppendLine(inv, $"| {margin:0.00} | [{from:0.00}, 0.90); [{band.EscalateFrom.GetValueOrDefault("Sexy"):0.00}, 1] | {Pct(all.Escalated, n)} | {Pct(all.Inception, n)} ({all.BlockedInception}) | {all.WorstInception * 100:0.0} % | {Pct(all.Mean, n)} ({all.BlockedMean}) | {all.WorstMean * 100:0.0} % | {estimate:0.0} ms | {estimate / aloneCpu:0.00} | {Pct(clipOver.Escalated, clipN)} | {Pct(clipOver.Inception, clipN)} ({clipOver.BlockedInception}) | {Pct(clipOver.Mean, clipN)} ({clipOver.BlockedMean}) |");
        }

        md.AppendLine();
        md.AppendLine("Pictures flagged by any of the three (scores Porn/Hentai/Sexy: MobileNetV2 → InceptionV3; the cascade's rule):");
        md.AppendLine();
        policy.CascadeMargin = settings.Margin;
        foreach (var run in runs.Where(r => r.Corpus.Kind != "clip art"))
        {
            for (var k = 0; k < run.Files.Count; k++)
            {
                if (Flagged(run.Alone[k].Scores) || Flagged(run.Second[k]) || Flagged(run.Cascade[k].Scores))
                {
                    md.AppendLine(inv, $"- {run.Corpus.Name}/{run.Files[k]}: {Triple(classes, run.Alone[k].Scores)} → {Triple(classes, run.Second[k])}; {run.Cascade[k].Rule}, cascade: {Decide(run.Cascade[k].Scores).ToString().ToLowerInvariant()}");
                }
            }
        }

        var pictures = runs.SelectMany(r => r.Files.Select((f, k) => new PictureNumbers(r.Corpus.Name, f, r.Alone[k].Scores, r.Second[k], r.Cascade[k].Rule, r.Cascade[k].Scores))).ToList();
        return (new CascadeNumbers(settings, rows, curve, pictures), md.ToString());
    }

    private static string Triple(IReadOnlyList<string> classes, float[] s) =>
        string.Join('/', new[] { "Porn", "Hentai", "Sexy" }.Select(c => s[classes.ToList().IndexOf(c)].ToString("0.00", CultureInfo.InvariantCulture)));

    private static string Pct(int count, int of) => of == 0 ? "–" : (100.0 * count / of).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Ms(TimeSpan cpu, int pictures) => (cpu.TotalMilliseconds / pictures).ToString("0.0", CultureInfo.InvariantCulture);

    private sealed record Corpus(string Name, string Kind, string Directory, IReadOnlyList<string> Files)
    {
        public static Corpus Load(string directory)
        {
            var files = File.ReadAllLines(Path.Combine(directory, "MANIFEST.tsv")).Skip(1).Select(l => l.Split('\t')[0]).ToList();
            var kindFile = Path.Combine(directory, "KIND");
            var kind = File.Exists(kindFile) ? File.ReadAllText(kindFile).Trim() : "photographic";
            return new Corpus(Path.GetFileName(directory), kind, directory, files);
        }
    }

    private sealed record CorpusRun(Corpus Corpus, IReadOnlyList<string> Files, List<FrameScoring> Alone, List<FrameScoring> Cascade, List<float[]> Second,
        TimeSpan AloneCpu, TimeSpan CascadeCpu, TimeSpan SecondCpu);

    internal sealed record CorpusNumbers(string Corpus, string Kind, int Pictures, int FlaggedMobileNetV2, int FlaggedInceptionV3, int FlaggedCascade, int Escalated,
        double CpuMsMobileNetV2, double CpuMsCascade, double CpuMsInceptionV3);

    internal sealed record CurvePoint(float Margin, double Escalated, double FlaggedInception, double WorstCorpusInception, double FlaggedMean, double WorstCorpusMean,
        double EstimatedCpuMs, double CpuRatio);

    internal sealed record PictureNumbers(string Corpus, string File, float[] MobileNetV2, float[] InceptionV3, string CascadeRule, float[] Cascade);

    internal sealed record CascadeNumbers(CascadeSettings Settings, IReadOnlyList<CorpusNumbers> Corpora, IReadOnlyList<CurvePoint> Curve, IReadOnlyList<PictureNumbers> Pictures);
}
