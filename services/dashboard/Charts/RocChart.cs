using System.Globalization;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Charts;

public sealed record RocMarker(double X, double Y, float Threshold, double Recall, double FalsePositiveRate, string Label);

/// <summary>The ROC curve of one class over reviewed items, with the threshold in force and the recommended one marked.</summary>
public sealed record RocChart(double Width, double Height, double Left, double Top, double Size, string Curve, RocMarker? Current, RocMarker Recommended,
    IReadOnlyList<Tick> Ticks, double Auc)
{
    private const double S = 300, L = 48, T = 14;

    public static RocChart Build(ClassRecommendation recommendation)
    {
        var rec = recommendation.Recommendation;
        double X(double fpr) => L + S * Math.Clamp(fpr, 0, 1);
        double Y(double recall) => T + S * (1 - Math.Clamp(recall, 0, 1));
        var points = new[] { (Fpr: 0.0, Recall: 0.0) }.Concat(rec.Curve.Select(p => (Fpr: p.FalsePositiveRate, Recall: p.Recall))).Append((Fpr: 1.0, Recall: 1.0));
        var curve = string.Join(' ', points.Select(p => $"{Palette.N(X(p.Fpr))},{Palette.N(Y(p.Recall))}"));

        RocMarker Marker(CurvePoint p, string label) => new(X(p.FalsePositiveRate), Y(p.Recall), p.Threshold, p.Recall, p.FalsePositiveRate, label);
        RocMarker? current = null;
        if (recommendation.CurrentThreshold is { } threshold)
        {
            // Flagging is "score ≥ threshold": the operating point is the curve point with the lowest score still at or above it.
            var at = rec.Curve.Where(p => p.Threshold >= threshold).OrderBy(p => p.Threshold).FirstOrDefault()
                ?? new CurvePoint(threshold, 0, 0, null, 0, 0);
            current = Marker(at with { Threshold = threshold }, "current " + threshold.ToString("0.###", CultureInfo.InvariantCulture));
        }

        var recommended = Marker(rec.Point, "recommended " + rec.Point.Threshold.ToString("0.###", CultureInfo.InvariantCulture));
        var ticks = new[] { 0, 0.25, 0.5, 0.75, 1 }.Select(v => new Tick(S * v, v.ToString("0.##", CultureInfo.InvariantCulture))).ToList();
        return new RocChart(S + L + 20, S + T + 40, L, T, S, curve, current, recommended, ticks, rec.RocAuc);
    }
}
