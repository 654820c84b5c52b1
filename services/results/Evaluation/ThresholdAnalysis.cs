namespace Moderation.Results.Evaluation;

/// <summary>A reviewed item's score for one class and whether the reviewer said the class applies.</summary>
public readonly record struct LabelledScore(float Score, bool Positive);

/// <summary>The operating point of "flag when score ≥ <see cref="Threshold"/>".</summary>
public sealed record CurvePoint(float Threshold, double Recall, double FalsePositiveRate, double? Precision, int TruePositives, int FalsePositives);

public enum RecommendationTarget
{
    /// <summary>Catch at least this share of positives, with as few false positives as possible.</summary>
    Recall,

    /// <summary>Flag at most this share of negatives, catching as many positives as possible.</summary>
    FalsePositiveRate,
}

/// <param name="Achievable">False when no threshold meets the target; the threshold is then the closest one.</param>
public sealed record ThresholdRecommendation(
    RecommendationTarget Target,
    double TargetValue,
    bool Achievable,
    CurvePoint Point,
    int Positives,
    int Negatives,
    double RocAuc,
    double AveragePrecision,
    IReadOnlyList<CurvePoint> Curve);

/// <summary>ROC and precision/recall analysis over reviewed items, and the threshold that meets a target.</summary>
public static class ThresholdAnalysis
{
    /// <summary>One point per distinct score, highest threshold first (recall and FPR rise along the list).</summary>
    public static IReadOnlyList<CurvePoint> Curve(IReadOnlyList<LabelledScore> items)
    {
        var positives = items.Count(i => i.Positive);
        var negatives = items.Count - positives;
        var sorted = items.OrderByDescending(i => i.Score).ToList();
        var points = new List<CurvePoint>();
        int tp = 0, fp = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Positive)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            // Items tied at a score are all flagged by a threshold equal to it: emit the point after the last of them.
            if (i + 1 < sorted.Count && sorted[i + 1].Score == sorted[i].Score)
            {
                continue;
            }

            points.Add(new CurvePoint(sorted[i].Score,
                positives == 0 ? 0 : (double)tp / positives,
                negatives == 0 ? 0 : (double)fp / negatives,
                (double)tp / (tp + fp), tp, fp));
        }

        return points;
    }

    public static ThresholdRecommendation Recommend(IReadOnlyList<LabelledScore> items, RecommendationTarget target, double value)
    {
        var positives = items.Count(i => i.Positive);
        var negatives = items.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new InsufficientFeedbackException(
                $"A recommendation needs reviewed items with and without the class; found {positives} positive and {negatives} negative.");
        }

        var curve = Curve(items);
        CurvePoint? chosen;
        bool achievable;
        if (target == RecommendationTarget.Recall)
        {
            // The highest threshold (fewest false positives) whose recall still reaches the target.
            chosen = curve.FirstOrDefault(p => p.Recall >= value - 1e-12);
            achievable = chosen is not null;
            chosen ??= curve[^1];
        }
        else
        {
            // The lowest threshold (most recall) whose false-positive rate stays within the target.
            chosen = curve.LastOrDefault(p => p.FalsePositiveRate <= value + 1e-12);
            achievable = chosen is not null;
            chosen ??= curve[0];
        }

        return new ThresholdRecommendation(target, value, achievable, chosen, positives, negatives, RocAuc(curve), AveragePrecision(curve), curve);
    }

    /// <summary>Area under the ROC curve by the trapezoid rule, from (0,0) through every point to (1,1).</summary>
    public static double RocAuc(IReadOnlyList<CurvePoint> curve)
    {
        double area = 0, lastFpr = 0, lastRecall = 0;
        foreach (var point in curve.Append(new CurvePoint(float.NegativeInfinity, 1, 1, null, 0, 0)))
        {
            area += (point.FalsePositiveRate - lastFpr) * (point.Recall + lastRecall) / 2;
            lastFpr = point.FalsePositiveRate;
            lastRecall = point.Recall;
        }

        return area;
    }

    /// <summary>Average precision: precision at each threshold weighted by the recall it adds.</summary>
    public static double AveragePrecision(IReadOnlyList<CurvePoint> curve)
    {
        double sum = 0, lastRecall = 0;
        foreach (var point in curve)
        {
            sum += (point.Recall - lastRecall) * (point.Precision ?? 0);
            lastRecall = point.Recall;
        }

        return sum;
    }
}

public sealed class InsufficientFeedbackException(string message) : Exception(message);
