using Moderation.Contracts.V1;
using Moderation.Results.Registry;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>The shadow report's measures: each version's blocks against reviewers' decisions, and maxima over frames.</summary>
public sealed class ShadowQualityTests
{
    [Fact]
    public void Precision_and_recall_count_blocks_against_reviewer_blocks()
    {
        var quality = ModelQuality.Of("v2",
        [
            (Decision.Block, Decision.Block),
            (Decision.Block, Decision.Allow),
            (Decision.Review, Decision.Block),
            (Decision.Allow, Decision.Allow),
            (Decision.Block, Decision.Block),
        ]);

        Assert.Equal((5, 2, 1, 1), (quality.Labelled, quality.TruePositives, quality.FalsePositives, quality.FalseNegatives));
        Assert.Equal(2.0 / 3, quality.Precision!.Value, 9);
        Assert.Equal(2.0 / 3, quality.Recall!.Value, 9);
    }

    [Fact]
    public void Undefined_measures_are_null_not_zero()
    {
        var quality = ModelQuality.Of("v2", [(Decision.Allow, Decision.Allow)]);
        Assert.Null(quality.Precision);
        Assert.Null(quality.Recall);
    }

    [Fact]
    public void Maxima_take_each_class_highest_score_over_the_frames()
    {
        var maxima = ShadowReports.Maxima(
        [
            new Dictionary<string, float> { ["Drawing"] = 0.2f, ["Porn"] = 0.7f },
            new Dictionary<string, float> { ["Drawing"] = 0.9f, ["Porn"] = 0.1f },
        ]);
        Assert.Equal(0.9f, maxima["Drawing"]);
        Assert.Equal(0.7f, maxima["Porn"]);
    }
}
