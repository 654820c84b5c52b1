using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moderation.Contracts.Heads;
using Moderation.Contracts.V1;
using Moderation.HeadTraining;
using Moderation.Results.Apis;
using Moderation.Results.Evaluation;
using Moderation.Results.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Moderation.Results.Tests;

public sealed class LearningFixture : IAsyncLifetime
{
    public string HeadDirectory { get; } = Directory.CreateTempSubdirectory("results-heads-").FullName;

    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Every verdict is audited, so reviewers label allows and blocks as well as the grey zone.
        App = await ResultsApp.StartAsync(new Dictionary<string, string?> { ["Review:AuditSampleRate"] = "1" });
        Probe = await BusProbe.StartAsync(App.RabbitMq);
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(HeadDirectory, recursive: true);
    }
}

/// <summary>Evaluation, threshold recommendation and the feedback head, on generated labelled sets with known answers.</summary>
public sealed class LearningTests(LearningFixture fixture, ITestOutputHelper output) : IClassFixture<LearningFixture>
{
    private static readonly float[] PositiveScores = [0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f, 0.65f, 0.6f, 0.55f, 0.5f];
    private static readonly float[] NegativeScores = [0.72f, 0.62f, 0.45f, 0.4f, 0.35f, 0.3f, 0.25f, 0.2f, 0.15f, 0.1f];

    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Evaluation_and_threshold_recommendation_match_the_known_answers()
    {
        const string Version = "eval-1";
        var truth = new Dictionary<Guid, bool>();
        foreach (var (score, positive) in PositiveScores.Select(s => (s, true)).Concat(NegativeScores.Select(s => (s, false))))
        {
            var id = Guid.NewGuid();
            truth[id] = positive;
            await App.Bus.Publish(Messages.Submitted(id));
            await App.Bus.Publish(Messages.Frame(id, 0, null, Version, ("Porn", score)));
            await App.Bus.Publish(Messages.Completed(id, 1));
        }

        foreach (var id in truth.Keys)
        {
            await fixture.Probe.WaitAsync<VerdictReached>(id);
        }

        var reviewed = await Reviewer.ReviewAllAsync(App, id => (truth[id] ? Decision.Block : Decision.Allow, new() { ["Porn"] = truth[id], ["Sexy"] = false }));
        Assert.Equal(20, reviewed);

        var report = await App.GetAsync<EvaluationReport>($"/evaluation?modelVersion={Version}", ResultsApp.ReadKey);
        var model = Assert.Single(report.Models);
        Assert.Equal((Version, 20), (model.ModelVersion, model.ReviewedMedia));
        // Flagged (review or block) against the reviewers' blocks: all 10 positives, plus the negatives at 0.72 and 0.62.
        Assert.Equal((10, 2, 0, 8), (model.Flagged.TruePositives, model.Flagged.FalsePositives, model.Flagged.FalseNegatives, model.Flagged.TrueNegatives));
        Assert.Equal(10.0 / 12, model.Flagged.Precision!.Value, 6);
        Assert.Equal(1.0, model.Flagged.Recall!.Value, 6);
        Assert.Equal(0.2, model.Flagged.FalsePositiveRate!.Value, 6);
        // Blocked automatically: only 0.95 and 0.9.
        Assert.Equal((2, 0, 8, 10), (model.Blocked.TruePositives, model.Blocked.FalsePositives, model.Blocked.FalseNegatives, model.Blocked.TrueNegatives));
        var porn = Assert.Single(model.Classes, c => c.Class == "Porn");
        Assert.Equal((20, 10, 2, 0, 8), (porn.Labelled, porn.Rates.TruePositives, porn.Rates.FalsePositives, porn.Rates.FalseNegatives, porn.Rates.TrueNegatives));
        var sexy = Assert.Single(model.Classes, c => c.Class == "Sexy");
        Assert.Equal((20, 0, 20, 0.0), (sexy.Labelled, sexy.Rates.FalsePositives, sexy.Rates.TrueNegatives, sexy.Rates.FalsePositiveRate));

        // Recall ≥ 0.9 needs nine positives: threshold 0.55 (FPR 2/10, precision 9/11).
        var forRecall = await App.GetAsync<ClassRecommendation>($"/evaluation/recommendation?class=Porn&targetRecall=0.9&modelVersion={Version}", ResultsApp.ReadKey);
        Assert.Equal(0.55f, forRecall.Recommendation.Point.Threshold);
        Assert.Equal((0.9, 0.2), (forRecall.Recommendation.Point.Recall, forRecall.Recommendation.Point.FalsePositiveRate));
        Assert.Equal(9.0 / 11, forRecall.Recommendation.Point.Precision!.Value, 6);
        Assert.Equal(0.92, forRecall.Recommendation.RocAuc, 6);
        Assert.Equal(0.5f, forRecall.CurrentThreshold);
        // FPR ≤ 0.1 allows one negative (0.72): threshold 0.65, catching seven positives.
        var forFpr = await App.GetAsync<ClassRecommendation>(
            $"/evaluation/recommendation?class=Porn&targetFalsePositiveRate=0.1&modelVersion={Version}", ResultsApp.ReadKey);
        Assert.Equal(0.65f, forFpr.Recommendation.Point.Threshold);
        Assert.Equal((0.7, 0.1), (forFpr.Recommendation.Point.Recall, forFpr.Recommendation.Point.FalsePositiveRate));

        using var admin = App.Client(ResultsApp.AdminKey);
        var policyName = "eval-" + Guid.NewGuid().ToString("N")[..6];
        var created = await admin.PostAsJsonAsync("/policies",
            new PolicyRequest(policyName, new() { ["Porn"] = 0.9f }, new() { ["Porn"] = 0.5f }, true, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var applied = await admin.PostAsJsonAsync($"/policies/{policyName}/apply-recommendation",
            new ApplyRecommendationRequest("Porn", ThresholdLevel.Review, RecommendationTarget.Recall, 0.9, Version, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Created, applied.StatusCode);
        var result = (await applied.Content.ReadFromJsonAsync<AppliedRecommendation>(ResultsApp.Json))!;
        Assert.Equal((2, 0.55f, 0.9f), (result.Policy.Version, result.Policy.Review["Porn"], result.Policy.Block["Porn"]));
        Assert.Equal("admin", result.Policy.CreatedBy);

        using var reader = App.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await reader.GetAsync($"/evaluation/recommendation?class=Hentai&targetRecall=0.9&modelVersion={Version}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.GetAsync("/evaluation/recommendation?class=Porn")).StatusCode);
    }

    [Fact]
    public async Task A_head_trained_on_reviewer_labels_beats_a_weak_base_model_and_is_published()
    {
        const string Version = "head-1";
        var random = new Random(7);
        var positiveDirection = UnitVector(random);
        var truth = new Dictionary<Guid, bool>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 80; i++)
        {
            // Ids from the seeded generator: the held-out split (by id hash) is the same on every run.
            var idBytes = new byte[16];
            random.NextBytes(idBytes);
            var id = new Guid(idBytes);
            var positive = i % 2 == 0;
            truth[id] = positive;
            var drawingFrame = positive ? random.Next(3) : -1;
            await App.Bus.Publish(Messages.Submitted(id));
            for (var frame = 0; frame < 3; frame++)
            {
                // The base model is barely better than chance; the embedding carries the signal.
                var isDrawing = frame == drawingFrame;
                var baseScore = isDrawing ? 0.3f + (float)random.NextDouble() * 0.5f : (float)random.NextDouble() * (positive ? 0.5f : 0.75f);
                var embedding = Embedding(random, isDrawing ? positiveDirection : null);
                await App.Bus.Publish(Messages.Frame(id, frame, embedding, Version, ("Drawing", baseScore)));
            }

            await App.Bus.Publish(Messages.Completed(id, 3));
        }

        foreach (var id in truth.Keys)
        {
            await fixture.Probe.WaitAsync<VerdictReached>(id);
        }

        output.WriteLine($"80 media, 240 frames decided after {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(80, await Reviewer.ReviewAllAsync(App, id => (Decision.Allow, new() { ["Drawing"] = truth[id] })));
        output.WriteLine($"80 reviews done after {watch.Elapsed.TotalSeconds:0.0} s");

        // First without publishing: a report and a stored, unpublished head, no file for the classifiers.
        var trial = await TrainAsync("--no-publish", "--base-model-version", Version);
        Assert.False(trial.Published);
        Assert.Null(trial.FilePath);
        Assert.False(File.Exists(Path.Combine(fixture.HeadDirectory, "mobilenet_v2", "head.json")));
        var stored = await App.GetAsync<List<ModelHeadSummary>>("/models/heads", ResultsApp.ReadKey);
        Assert.Contains(stored, h => h.Version == trial.Version && !h.Published);

        var report = await TrainAsync("--base-model-version", Version);
        output.WriteLine($"head trained after {watch.Elapsed.TotalSeconds:0.0} s");
        var drawing = Assert.Single(report.Classes, c => c.Class == "Drawing");
        output.WriteLine($"Drawing head on {drawing.HeldOutMedia} held-out media (trained on {drawing.TrainMedia} media, {drawing.TrainFrames} frames): " +
            $"precision {drawing.Before.Precision:0.000} → {drawing.After.Precision:0.000}, recall {drawing.Before.Recall:0.000} → {drawing.After.Recall:0.000}, " +
            $"F1 {drawing.Before.F1:0.000} → {drawing.After.F1:0.000}");
        Assert.True(drawing.Improved, drawing.Note);
        Assert.True(drawing.HeldOutMedia >= 10, $"held out {drawing.HeldOutMedia}");
        Assert.True(drawing.After.F1 > drawing.Before.F1 + 0.15, $"F1 before {drawing.Before.F1}, after {drawing.After.F1}");
        Assert.True(drawing.After.Precision >= 0.9 && drawing.After.Recall >= 0.9, $"after: precision {drawing.After.Precision}, recall {drawing.After.Recall}");
        Assert.True(report.Published);
        Assert.StartsWith(Version + "+fb", report.Version, StringComparison.Ordinal);

        var head = HeadFile.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.HeadDirectory, "mobilenet_v2", "head.json")));
        Assert.Equal((HeadFile.CurrentFormat, report.Version, Version, 128), (head.Format, head.Version, head.BaseModelVersion, head.EmbeddingSize));
        Assert.True(File.Exists(Path.Combine(fixture.HeadDirectory, "mobilenet_v2", "heads", report.Version + ".json")));
        // The head scores what the classifier would: drawings above the policy's operating point, the rest below.
        Assert.True(head.Score("Drawing", Embedding(new Random(99), positiveDirection)) > 0.5);
        Assert.True(head.Score("Drawing", Embedding(new Random(98), null)) < 0.5);

        var heads = await App.GetAsync<List<ModelHeadSummary>>("/models/heads", ResultsApp.ReadKey);
        Assert.Contains(heads, h => h.Version == report.Version && h.Published);
        using var reader = App.Client(ResultsApp.ReadKey);
        var served = HeadFile.Parse(await reader.GetStringAsync($"/models/heads/{Uri.EscapeDataString(report.Version!)}"));
        Assert.Equal(head.Classes[0].Weights, served.Classes[0].Weights);
    }

    /// <summary>Runs tools/head-training as the CronJob does, on this fixture's database; its report.</summary>
    private async Task<HeadTrainingReport> TrainAsync(params string[] arguments)
    {
        var (code, stdout, errors) = await EntryPoint.RunAsync(EntryPoint.HeadTraining, new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = App.Database,
            ["FeedbackHead__OutputDirectory"] = fixture.HeadDirectory,
        }, arguments);
        Assert.True(code == 0, stdout + errors);
        return JsonSerializer.Deserialize<HeadTrainingReport>(stdout, HeadFile.Json)!;
    }

    private static float[] UnitVector(Random random)
    {
        var v = Enumerable.Range(0, 128).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    /// <summary>Post-ReLU-like noise, shifted along <paramref name="direction"/> for frames that show the class.</summary>
    private static float[] Embedding(Random random, float[]? direction) =>
        [.. Enumerable.Range(0, 128).Select(j => (float)(random.NextDouble() * 0.5) + (direction is null ? 0 : 3f * direction[j]))];
}
