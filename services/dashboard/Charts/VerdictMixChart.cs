using System.Globalization;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Charts;

public sealed record MixBar(double X, double Width, string Title, IReadOnlyList<MixSegment> Segments);

public sealed record MixSegment(string Kind, double Y, double Height, int Count);

/// <summary>Automatic verdicts per time bucket, stacked by decision, with failures on top; reviewer decisions as a line.</summary>
public sealed record VerdictMixChart(double Width, double Height, double Left, double Top, double PlotWidth, double PlotHeight, IReadOnlyList<MixBar> Bars,
    string ReviewedLine, IReadOnlyList<Tick> XTicks, IReadOnlyList<Tick> YTicks, int Max)
{
    private const double W = 760, H = 220, L = 44, R = 12, T = 12, B = 30;
    public static readonly string[] Kinds = ["allow", "review", "block", "failed"];

    public static VerdictMixChart Build(StatsOverview stats)
    {
        var plotWidth = W - L - R;
        var plotHeight = H - T - B;
        var buckets = stats.Buckets;
        var max = Math.Max(1, buckets.Count == 0 ? 1 : buckets.Max(b => Math.Max(b.Allowed + b.Review + b.Blocked + b.Failed, b.Reviewed)));
        var slot = plotWidth / Math.Max(1, buckets.Count);
        double Y(double count) => T + plotHeight * (1 - count / max);

        var bars = buckets.Select((b, i) =>
        {
            var segments = new List<MixSegment>();
            double stacked = 0;
            foreach (var (kind, count) in new[] { ("allow", b.Allowed), ("review", b.Review), ("block", b.Blocked), ("failed", b.Failed) })
            {
                if (count > 0)
                {
                    segments.Add(new MixSegment(kind, Y(stacked + count), plotHeight * count / max, count));
                    stacked += count;
                }
            }

            var title = string.Create(CultureInfo.InvariantCulture,
                $"{b.Start.ToUniversalTime():yyyy-MM-dd HH:mm} UTC: {b.Allowed} allowed, {b.Review} to review, {b.Blocked} blocked, {b.Failed} failed, {b.Reviewed} reviewed");
            return new MixBar(L + slot * i + slot * 0.1, slot * 0.8, title, segments);
        }).ToList();

        var reviewed = string.Join(' ', buckets.Select((b, i) => $"{Palette.N(L + slot * (i + 0.5))},{Palette.N(Y(b.Reviewed))}"));
        var every = Math.Max(1, buckets.Count / 6);
        var xTicks = buckets.Select((b, i) => (b, i)).Where(x => x.i % every == 0)
            .Select(x => new Tick(L + slot * (x.i + 0.5), x.b.Start.ToUniversalTime().ToString(stats.BucketMinutes >= 1440 ? "MM-dd" : "HH:mm", CultureInfo.InvariantCulture)))
            .ToList();
        var yTicks = new[] { 0, 0.5, 1 }.Select(f => new Tick(Y(max * f), Math.Round(max * f).ToString(CultureInfo.InvariantCulture))).ToList();
        return new VerdictMixChart(W, H, L, T, plotWidth, plotHeight, bars, reviewed, xTicks, yTicks, max);
    }
}
