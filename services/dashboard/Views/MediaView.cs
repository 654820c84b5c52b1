using Moderation.Contracts.V1;
using Moderation.Dashboard.Charts;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Views;

/// <summary>One class of the model as the task view lists it; <see cref="Key"/> is the number key that toggles its label.</summary>
public sealed record ClassRow(int Key, string Class, string Colour, float Score, int FrameIndex, double TimestampSeconds, float? ReviewAt, float? BlockAt, bool Watched)
{
    public string Level => BlockAt is { } b && Score >= b ? "block" : ReviewAt is { } r && Score >= r ? "review" : "below";
}

/// <summary>Everything the task and media pages show about one medium, computed once from the results API.</summary>
public sealed record MediaView(
    MediaDetails Media,
    string? ModelVersion,
    IReadOnlyList<FrameView> Frames,
    IReadOnlyList<ClassRow> Classes,
    IReadOnlyList<FrameView> WorstFrames,
    int FocusFrame,
    TimelineChart? Timeline,
    PolicyView? Policy)
{
    public bool IsSequence => Frames.Count > 1 || Media.Kind is MediaKind.Video or MediaKind.Animation;

    /// <summary>
    /// Per frame with a heatmap, the class whose map the overlay shows: the verdict's trigger class when the frame has its
    /// map, else the frame's highest-scoring class with one (as <c>frame:class</c> pairs for the page script).
    /// </summary>
    public string Heatmaps => string.Join(' ', Frames.Where(f => f.HeatmapClasses.Count > 0).Select(f =>
        $"{f.FrameIndex}:{(Media.Verdict?.TriggerClass is { } trigger && f.HeatmapClasses.Contains(trigger) ? trigger : f.HeatmapClasses.MaxBy(c => f.Scores.GetValueOrDefault(c)))}"));

    public static async Task<MediaView> BuildAsync(ResultsClient results, MediaDetails media, IReadOnlyList<FrameView>? frames, int worst,
        CancellationToken cancellationToken)
    {
        frames ??= await results.FramesAsync(media.Id, cancellationToken);
        var verdict = media.Verdict;
        // A medium may have been scored by several model versions (a re-score after an upgrade); show the one its verdict used.
        var modelVersion = verdict?.ModelVersion
            ?? frames.GroupBy(f => f.ModelVersion).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key, StringComparer.Ordinal).FirstOrDefault()?.Key;
        var scored = frames.Where(f => f.ModelVersion == modelVersion).OrderBy(f => f.FrameIndex).ToList();

        var policy = verdict is not null
            ? await results.PolicyAsync(verdict.Policy, verdict.PolicyVersion, cancellationToken)
            : (await results.PoliciesAsync(cancellationToken)).FirstOrDefault(p => p.Name == (media.Policy ?? "default"));
        var watched = policy is null ? new HashSet<string>() : policy.Review.Keys.Concat(policy.Block.Keys).ToHashSet(StringComparer.Ordinal);

        var maxima = (verdict?.Maxima ?? media.LiveMaxima).ToDictionary(m => m.Class, StringComparer.Ordinal);
        // jsonb does not keep the model's class order; a fixed alphabetical order keeps the number keys stable.
        var classNames = scored.SelectMany(f => f.Scores.Keys).Concat(maxima.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = classNames.Select((cls, i) =>
        {
            var max = maxima.GetValueOrDefault(cls) ?? scored.Select(f => new ClassMaximum(cls, f.Scores.GetValueOrDefault(cls), f.FrameIndex, f.TimestampSeconds))
                .OrderByDescending(m => m.Score).ThenBy(m => m.FrameIndex).FirstOrDefault() ?? new ClassMaximum(cls, 0, 0, 0);
            return new ClassRow(i + 1, cls, Palette.Colour(i), max.Score, max.FrameIndex, max.TimestampSeconds,
                policy?.Review.TryGetValue(cls, out var r) == true ? r : null, policy?.Block.TryGetValue(cls, out var b) == true ? b : null, watched.Contains(cls));
        }).ToList();

        var watchedOrAll = watched.Count > 0 ? watched : classNames.ToHashSet(StringComparer.Ordinal);
        float Worst(FrameView f) => f.Scores.Where(s => watchedOrAll.Contains(s.Key)).Select(s => s.Value).DefaultIfEmpty(0).Max();
        var worstFrames = scored.OrderByDescending(Worst).ThenBy(f => f.FrameIndex).Take(worst).OrderBy(f => f.FrameIndex).ToList();
        var focus = verdict?.TriggerFrameIndex ?? scored.OrderByDescending(Worst).ThenBy(f => f.FrameIndex).Select(f => (int?)f.FrameIndex).FirstOrDefault() ?? 0;

        TimelineChart? timeline = null;
        if (scored.Count > 1)
        {
            var thresholds = rows.SelectMany(r => new[] { (r.Class, Level: "review", At: r.ReviewAt), (r.Class, Level: "block", At: r.BlockAt) })
                .Where(t => t.At is not null).Select(t => (t.Class, t.Level, t.At!.Value));
            timeline = TimelineChart.Build(scored, classNames, watched, thresholds, Math.Min(5, worst), verdict?.Segments);
        }

        return new MediaView(media, modelVersion, scored, rows, worstFrames, focus, timeline, policy);
    }
}
