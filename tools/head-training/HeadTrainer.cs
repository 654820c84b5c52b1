using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moderation.Contracts.Heads;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Evaluation;
using Moderation.Results.Policies;

namespace Moderation.HeadTraining;

public sealed record ClassHeadReport(
    string Class,
    float OperatingThreshold,
    int TrainMedia,
    int TrainFrames,
    int HeldOutMedia,
    RateSummary Before,
    RateSummary After,
    bool Improved,
    string? Note);

public sealed record HeadTrainingReport(
    string? Version,
    string? ModelName,
    string? BaseModelVersion,
    bool Published,
    string? FilePath,
    int ReviewedMedia,
    IReadOnlyList<ClassHeadReport> Classes,
    string Summary);

/// <summary>
/// Fits a logistic-regression head per class on the stored embeddings and reviewer labels, measures it against the
/// base model on held-out feedback at the policy's operating point, and publishes the classes that improved as a
/// new model version (<see cref="HeadFile"/>). Medium-level labels become frame-level examples the
/// multiple-instance way: a positive medium contributes the frame the base model scored highest for the class, a
/// negative medium its highest-scoring frames (every frame of a negative medium is negative).
/// </summary>
public sealed class HeadTrainer(ResultsDbContext db, PolicyStore policies, AuditLog audit, IOptions<FeedbackHeadOptions> options, TimeProvider clock,
    ILogger<HeadTrainer> logger)
{
    private sealed record Example(Guid MediaId, bool Positive, List<(float Score, float[] Embedding)> Frames);

    /// <param name="baseModelVersion">The base model whose embeddings to train on; by default the one with the most feedback.</param>
    /// <param name="actor">Who asked; a head published by the run is audited under this actor.</param>
    public async Task<HeadTrainingReport> TrainAsync(bool publish, string? baseModelVersion, AuditActor actor, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var feedback = await db.ReviewFeedback.AsNoTracking().ToListAsync(cancellationToken);
        var latest = feedback.GroupBy(f => f.MediaId).Select(g => g.MaxBy(f => f.CreatedAt)!).ToList();
        if (latest.Count == 0)
        {
            return Empty("No reviewer feedback yet.");
        }

        // Embeddings of different base models are not comparable: train on the base version with the most feedback.
        var baseVersion = baseModelVersion
            ?? latest.GroupBy(f => BaseVersion(f.ModelVersion)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var reviewed = latest.Where(f => BaseVersion(f.ModelVersion) == baseVersion).ToDictionary(f => f.MediaId);
        if (reviewed.Count == 0)
        {
            return Empty($"No reviewer feedback on media scored by model version {baseVersion}.");
        }
        var mediaIds = reviewed.Keys.ToList();
        var frames = await db.FrameScores.AsNoTracking()
            .Where(f => mediaIds.Contains(f.MediaId) && f.Embedding != null)
            .Select(f => new { f.MediaId, f.FrameIndex, f.ModelName, f.ModelVersion, f.Scores, f.Embedding })
            .ToListAsync(cancellationToken);
        var framesByMedium = frames.Where(f => BaseVersion(f.ModelVersion) == baseVersion)
            .GroupBy(f => f.MediaId)
            .ToDictionary(g => g.Key, g => g.GroupBy(f => f.FrameIndex).Select(x => x.First()).ToList());
        if (framesByMedium.Count == 0)
        {
            return Empty($"No stored embeddings for reviewed media of model version {baseVersion}.");
        }

        var modelName = frames.First(f => BaseVersion(f.ModelVersion) == baseVersion).ModelName;
        var embeddingSize = framesByMedium.Values.First()[0].Embedding!.Length;
        var policy = await policies.CurrentAsync(settings.Policy, cancellationToken);
        var classes = reviewed.Values.SelectMany(f => f.Labels.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var reports = new List<ClassHeadReport>();
        var heads = new List<HeadClass>();
        foreach (var cls in classes)
        {
            var threshold = ModerationPolicy.FlagThreshold(policy, cls) ?? 0.5f;
            var examples = reviewed.Values
                .Where(f => f.Labels.ContainsKey(cls) && framesByMedium.ContainsKey(f.MediaId))
                .Select(f => new Example(f.MediaId, f.Labels[cls], framesByMedium[f.MediaId]
                    .Where(x => x.Embedding!.Length == embeddingSize)
                    .Select(x => (x.Scores.GetValueOrDefault(cls), x.Embedding!)).ToList()))
                .Where(e => e.Frames.Count > 0)
                .ToList();
            var (report, head) = TrainClass(cls, threshold, examples, settings);
            reports.Add(report);
            if (head is not null)
            {
                heads.Add(head);
            }
        }

        var now = clock.GetUtcNow();
        var version = $"{baseVersion}+fb{now:yyyyMMdd'T'HHmmss'Z'}";
        var headFile = new HeadFile(HeadFile.CurrentFormat, version, modelName, baseVersion, embeddingSize, now, heads);
        var summary = heads.Count == 0
            ? "No class improved on held-out feedback; nothing published."
            : $"Head improves {string.Join(", ", heads.Select(h => h.Class))} on held-out feedback.";
        string? path = null;
        var published = publish && heads.Count > 0;
        if (published && !string.IsNullOrWhiteSpace(settings.OutputDirectory))
        {
            path = await WriteAsync(settings.OutputDirectory, headFile, cancellationToken);
        }

        var result = new HeadTrainingReport(heads.Count > 0 ? version : null, modelName, baseVersion, published, path, reviewed.Count, reports, summary);
        if (heads.Count > 0)
        {
            db.ModelHeads.Add(new ModelHead
            {
                Version = version,
                BaseModelName = modelName,
                BaseModelVersion = baseVersion,
                HeadJson = headFile.ToJson(),
                ReportJson = JsonSerializer.Serialize(result, HeadFile.Json),
                Published = published,
                FilePath = path,
                CreatedAt = now,
            });
            if (published)
            {
                audit.Add(actor, AuditActions.HeadPublished, null, new { version, baseModelVersion = baseVersion, trained = true });
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        logger.LogInformation("Feedback head training on {ReviewedMedia} reviewed media of {ModelVersion}: {Summary}", reviewed.Count, baseVersion, summary);
        return result;
    }

    /// <summary>A head version is <c>&lt;base&gt;+fb&lt;time&gt;</c>; its embeddings are the base model's.</summary>
    public static string BaseVersion(string modelVersion)
    {
        var plus = modelVersion.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? modelVersion : modelVersion[..plus];
    }

    private (ClassHeadReport Report, HeadClass? Head) TrainClass(string cls, float threshold, List<Example> examples, FeedbackHeadOptions settings)
    {
        var positives = examples.Count(e => e.Positive);
        var negatives = examples.Count - positives;
        var empty = RateSummary.From(new ConfusionCounts(0, 0, 0, 0));
        if (positives < settings.MinExamplesPerSide || negatives < settings.MinExamplesPerSide)
        {
            return (new ClassHeadReport(cls, threshold, 0, 0, 0, empty, empty, false,
                $"Needs {settings.MinExamplesPerSide} reviewed media with and without the class; has {positives} and {negatives}."), null);
        }

        var heldOut = examples.Where(e => InHoldout(e.MediaId, settings.HoldoutFraction)).ToList();
        var train = examples.Except(heldOut).ToList();
        if (!train.Any(e => e.Positive) || train.All(e => e.Positive) || !heldOut.Any(e => e.Positive) || heldOut.All(e => e.Positive))
        {
            return (new ClassHeadReport(cls, threshold, train.Count, 0, heldOut.Count, empty, empty, false,
                "The split left one side without both labels; more feedback is needed."), null);
        }

        // Multiple-instance refinement: the base model picks each positive medium's frame first, then the head itself
        // re-picks the frame it finds most positive and is fitted again, shedding frames the base model mis-picked.
        LogisticModel? model = null;
        var features = new List<float[]>();
        for (var round = 0; round < 3; round++)
        {
            features = [];
            var labels = new List<bool>();
            foreach (var example in train)
            {
                var ranked = model is null
                    ? example.Frames.OrderByDescending(f => f.Score)
                    : example.Frames.OrderByDescending(f => model.Logit(f.Embedding));
                foreach (var frame in ranked.Take(example.Positive ? 1 : settings.MaxNegativeFramesPerMedium))
                {
                    features.Add(frame.Embedding);
                    labels.Add(example.Positive);
                }
            }

            model = LogisticRegression.Fit(features, labels, new LogisticTraining(settings.Epochs));
        }

        // Pick the head's own best threshold on the training media, then move it onto the policy's threshold so the
        // policy applies to the head's scores unchanged.
        var trainScores = train.Select(e => new LabelledScore((float)MediumScore(model!, e), e.Positive)).ToList();
        var best = ThresholdAnalysis.Curve(trainScores)
            .Select(p => (p.Threshold, F1: F1(p.TruePositives, p.FalsePositives, train.Count(e => e.Positive))))
            .MaxBy(p => p.F1);
        var calibrated = model!.ShiftThreshold(best.Threshold, threshold);

        var before = ConfusionCounts.Count(heldOut.Select(e => (e.Frames.Max(f => f.Score) >= threshold, e.Positive)));
        var after = ConfusionCounts.Count(heldOut.Select(e => (MediumScore(calibrated, e) >= threshold, e.Positive)));
        var improved = (after.F1 ?? 0) > (before.F1 ?? 0) + settings.MinF1Improvement;
        var report = new ClassHeadReport(cls, threshold, train.Count, features.Count, heldOut.Count, RateSummary.From(before), RateSummary.From(after), improved,
            improved ? null : "No F1 gain on held-out feedback over the base model.");
        return (report, improved ? new HeadClass(cls, calibrated.Weights, calibrated.Bias, threshold) : null);
    }

    private static double MediumScore(LogisticModel model, Example example) => example.Frames.Max(f => model.Probability(f.Embedding));

    private static double F1(int tp, int fp, int positives) => tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + (positives - tp));

    private static bool InHoldout(Guid mediaId, double fraction)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(mediaId.ToByteArray(), hash);
        return BitConverter.ToUInt32(hash) / (double)uint.MaxValue < fraction;
    }

    private static async Task<string> WriteAsync(string directory, HeadFile head, CancellationToken cancellationToken)
    {
        var modelDirectory = Path.Combine(directory, head.ModelName);
        var history = Path.Combine(modelDirectory, "heads");
        Directory.CreateDirectory(history);
        var json = head.ToJson();
        await File.WriteAllTextAsync(Path.Combine(history, head.Version + ".json"), json, cancellationToken);
        // Write then rename: a classifier reloading head.json never reads half a file.
        var active = Path.Combine(modelDirectory, "head.json");
        var temporary = active + ".tmp";
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, active, overwrite: true);
        return active;
    }

    private static HeadTrainingReport Empty(string summary) => new(null, null, null, false, null, 0, [], summary);
}
