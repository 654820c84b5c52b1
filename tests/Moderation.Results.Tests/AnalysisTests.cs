using Moderation.HeadTraining;
using Moderation.Results.Evaluation;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>The maths on its own, with answers worked out by hand.</summary>
public sealed class AnalysisTests
{
    [Fact]
    public void Curve_handles_ties_and_finds_the_threshold_for_each_target()
    {
        LabelledScore[] items =
        [
            new(0.9f, true), new(0.8f, true), new(0.8f, false), new(0.6f, true), new(0.4f, false), new(0.2f, false),
        ];
        var curve = ThresholdAnalysis.Curve(items);
        Assert.Equal([0.9f, 0.8f, 0.6f, 0.4f, 0.2f], curve.Select(p => p.Threshold));
        Assert.Equal((2, 1), (curve[1].TruePositives, curve[1].FalsePositives));

        var recall = ThresholdAnalysis.Recommend(items, RecommendationTarget.Recall, 1.0);
        Assert.Equal((0.6f, 1.0, 1.0 / 3), (recall.Point.Threshold, recall.Point.Recall, recall.Point.FalsePositiveRate));
        var strict = ThresholdAnalysis.Recommend(items, RecommendationTarget.FalsePositiveRate, 0.0);
        Assert.Equal((0.9f, 1.0 / 3), (strict.Point.Threshold, strict.Point.Recall));
        // Of the 9 (positive, negative) pairs 7 are ordered correctly and one is tied, which counts half.
        Assert.Equal(7.5 / 9, recall.RocAuc, 6);
    }

    [Fact]
    public void A_recommendation_needs_both_labels()
    {
        Assert.Throws<InsufficientFeedbackException>(() =>
            ThresholdAnalysis.Recommend([new(0.9f, true), new(0.5f, true)], RecommendationTarget.Recall, 0.9));
    }

    [Fact]
    public void Confusion_rates_are_null_without_a_denominator()
    {
        var counts = ConfusionCounts.Count([(false, false), (false, false)]);
        Assert.Null(counts.Precision);
        Assert.Null(counts.Recall);
        Assert.Equal(0.0, counts.FalsePositiveRate);
    }

    [Fact]
    public void Logistic_regression_separates_separable_data_and_folds_standardisation_into_the_weights()
    {
        var random = new Random(1);
        var features = new List<float[]>();
        var labels = new List<bool>();
        for (var i = 0; i < 200; i++)
        {
            var positive = i % 4 == 0;
            features.Add([(float)(random.NextDouble() + (positive ? 5 : 0)), (float)(random.NextDouble() * 100)]);
            labels.Add(positive);
        }

        var model = LogisticRegression.Fit(features, labels);
        var correct = features.Zip(labels).Count(p => model.Probability(p.First) >= 0.5 == p.Second);
        Assert.Equal(200, correct);
        Assert.True(model.Probability([6f, 50f]) > 0.9);
        Assert.True(model.Probability([0.5f, 50f]) < 0.1);

        var shifted = model.ShiftThreshold(0.5, 0.8);
        Assert.Equal(0.8, shifted.Probability(MidPoint(model)), 3);
    }

    private static float[] MidPoint(LogisticModel model)
    {
        // The point on the first axis where the original model says exactly 0.5, with the second axis at 50.
        var x = -(model.Bias + model.Weights[1] * 50f) / model.Weights[0];
        return [x, 50f];
    }
}
