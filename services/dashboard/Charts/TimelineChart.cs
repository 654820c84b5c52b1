using System.Globalization;
using Moderation.Contracts.V1;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Charts;

public sealed record TimelineSeries(string Class, string Colour, string Points, bool Watched);

/// <summary>One sampled frame on the plot, at its highest score among the watched classes.</summary>
public sealed record TimelinePoint(int FrameIndex, double TimestampSeconds, double X, double Y, string Class, float Score, string Title);

public sealed record TimelineThreshold(string Class, string Level, float Score, double Y, string Colour);

public sealed record Tick(double Position, string Label);

/// <summary>A flagged segment of the verdict, shaded over its time range.</summary>
public sealed record TimelineSegment(string Class, string Level, double X, double Width, string Colour, string Title);

/// <summary>
/// The score of every class over a medium's time, as the task view draws it: one polyline per class, one clickable point
/// per sampled frame, and the worst moments ringed, so a reviewer jumps to the frames that matter.
/// </summary>
public sealed record TimelineChart(
    double Width,
    double Height,
    double Left,
    double Top,
    double PlotWidth,
    double PlotHeight,
    IReadOnlyList<TimelineSeries> Series,
    IReadOnlyList<TimelinePoint> Points,
    IReadOnlyList<TimelinePoint> Worst,
    IReadOnlyList<TimelineThreshold> Thresholds,
    IReadOnlyList<Tick> XTicks,
    IReadOnlyList<Tick> YTicks,
    IReadOnlyList<TimelineSegment> Segments)
{
    private const double W = 760, H = 240, L = 40, R = 14, T = 12, B = 30;

    /// <param name="frames">One score row per frame (a single model version).</param>
    /// <param name="classes">Classes in the model's order.</param>
    /// <param name="watched">Classes the policy reviews or blocks on; they define a frame's score and the worst moments. Empty: all classes.</param>
    /// <param name="thresholds">(class, level, score) lines to draw.</param>
    /// <param name="worst">How many worst moments to ring.</param>
    /// <param name="segments">The verdict's flagged segments, shaded over their time ranges (not on a frame-order axis).</param>
    public static TimelineChart Build(IReadOnlyList<FrameView> frames, IReadOnlyList<string> classes, IReadOnlySet<string> watched,
        IEnumerable<(string Class, string Level, float Score)> thresholds, int worst, IReadOnlyList<FlaggedSegment>? segments = null)
    {
        var plotWidth = W - L - R;
        var plotHeight = H - T - B;
        var duration = frames.Count == 0 ? 0 : frames.Max(f => f.TimestampSeconds);
        // Without timestamps (an animation read frame by frame), frame order is the time axis.
        var byIndex = duration <= 0;
        var span = byIndex ? Math.Max(1, frames.Count == 0 ? 1 : frames.Max(f => f.FrameIndex)) : duration;
        double X(FrameView f) => L + (frames.Count == 1 ? plotWidth / 2 : plotWidth * ((byIndex ? f.FrameIndex : f.TimestampSeconds) / span));
        double Y(double score) => T + plotHeight * (1 - Math.Clamp(score, 0, 1));
        var watchedClasses = watched.Count > 0 ? watched : classes.ToHashSet();

        var series = classes.Select((cls, i) => new TimelineSeries(cls, Palette.Colour(i),
            string.Join(' ', frames.Select(f => $"{Palette.N(X(f))},{Palette.N(Y(f.Scores.GetValueOrDefault(cls)))}")), watchedClasses.Contains(cls))).ToList();

        var points = frames.Select(f =>
        {
            var (cls, score) = f.Scores.Where(s => watchedClasses.Contains(s.Key)).OrderByDescending(s => s.Value)
                .Select(s => (s.Key, s.Value)).FirstOrDefault();
            cls ??= "";
            var title = string.Create(CultureInfo.InvariantCulture, $"Frame {f.FrameIndex} at {FormatTime(f.TimestampSeconds)}: ") +
                string.Join(", ", classes.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c} {f.Scores.GetValueOrDefault(c):0.00}")));
            return new TimelinePoint(f.FrameIndex, f.TimestampSeconds, X(f), Y(score), cls, score, title);
        }).ToList();

        var worstPoints = points.OrderByDescending(p => p.Score).ThenBy(p => p.FrameIndex).Take(Math.Min(worst, points.Count)).OrderBy(p => p.FrameIndex).ToList();
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var lines = thresholds.Where(t => classIndex.ContainsKey(t.Class))
            .Select(t => new TimelineThreshold(t.Class, t.Level, t.Score, Y(t.Score), Palette.Colour(classIndex[t.Class]))).ToList();

        double At(double seconds) => L + plotWidth * Math.Clamp(seconds / span, 0, 1);
        var shaded = byIndex ? [] : (segments ?? []).Where(s => classIndex.ContainsKey(s.Class)).Select(s =>
        {
            var level = s.Threshold == Decision.Block ? "block" : "review";
            var (x, end) = (At(s.StartSeconds), At(Math.Max(s.EndSeconds, s.StartSeconds)));
            var title = string.Create(CultureInfo.InvariantCulture,
                $"{s.Class} over the {level} threshold from {FormatTime(s.StartSeconds)} to {FormatTime(s.EndSeconds)}: {s.Frames} frame(s), max {s.MaxScore:0.00}") +
                (s.Threshold == Decision.Block ? s.Corroborated ? ", corroborated" : ", not corroborated" : "");
            return new TimelineSegment(s.Class, level, x, Math.Max(end - x, 3), Palette.Colour(classIndex[s.Class]), title);
        }).ToList();

        var yTicks = new[] { 0, 0.25, 0.5, 0.75, 1 }.Select(v => new Tick(Y(v), v.ToString("0.##", CultureInfo.InvariantCulture))).ToList();
        var step = NiceStep(span / 5);
        var xTicks = Enumerable.Range(0, (int)Math.Floor(span / step) + 1).Select(i => i * step)
            .Select(at => new Tick(L + plotWidth * (at / span), byIndex ? $"#{at:0}" : FormatTime(at))).ToList();
        return new TimelineChart(W, H, L, T, plotWidth, plotHeight, series, points, worstPoints, lines, xTicks, yTicks, shaded);
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>: tick labels a person reads at a glance.</summary>
    private static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-9))));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
    }

    public static string FormatTime(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : seconds >= 60 ? t.ToString(@"m\:ss", CultureInfo.InvariantCulture)
            : seconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
    }
}
