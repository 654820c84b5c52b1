namespace Moderation.Results.Evaluation;

/// <summary>A confusion matrix and the rates derived from it; a rate is null when its denominator is zero.</summary>
public sealed record ConfusionCounts(int TruePositives, int FalsePositives, int FalseNegatives, int TrueNegatives)
{
    public int Support => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    public int Positives => TruePositives + FalseNegatives;

    public int Negatives => FalsePositives + TrueNegatives;

    public double? Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    public double? Recall => Ratio(TruePositives, Positives);

    public double? FalsePositiveRate => Ratio(FalsePositives, Negatives);

    public double? F1 => Precision is { } p && Recall is { } r && p + r > 0 ? 2 * p * r / (p + r) : null;

    public static ConfusionCounts Count(IEnumerable<(bool Predicted, bool Actual)> outcomes)
    {
        int tp = 0, fp = 0, fn = 0, tn = 0;
        foreach (var (predicted, actual) in outcomes)
        {
            _ = (predicted, actual) switch
            {
                (true, true) => tp++,
                (true, false) => fp++,
                (false, true) => fn++,
                (false, false) => tn++,
            };
        }

        return new ConfusionCounts(tp, fp, fn, tn);
    }

    private static double? Ratio(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;
}
