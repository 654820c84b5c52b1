using System.ComponentModel.DataAnnotations;

namespace Moderation.HeadTraining;

/// <summary>Section <c>FeedbackHead</c>: training and publishing of the feedback-adapted head.</summary>
public sealed class FeedbackHeadOptions
{
    public const string Section = "FeedbackHead";

    /// <summary>
    /// Model directory the classifier loads from (the one holding <c>&lt;model&gt;/model.json</c>). Published heads
    /// are written to <c>&lt;dir&gt;/&lt;model&gt;/head.json</c>, with history under <c>heads/</c>. Empty: heads are
    /// kept in the database and served at <c>GET /models/heads/{version}</c> only.
    /// </summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Policy whose thresholds are the operating points compared before and after.</summary>
    [Required]
    public string Policy { get; set; } = "default";

    /// <summary>Share of reviewed media held out (by media id hash) to measure before/after.</summary>
    [Range(0.05, 0.9)]
    public double HoldoutFraction { get; set; } = 0.25;

    /// <summary>Reviewed media needed per class on each side (with and without the class) before a head is trained.</summary>
    [Range(2, 100_000)]
    public int MinExamplesPerSide { get; set; } = 10;

    /// <summary>Negative media contribute their highest-scoring frames for the class (hard negatives), at most this many.</summary>
    [Range(1, 1000)]
    public int MaxNegativeFramesPerMedium { get; set; } = 8;

    /// <summary>F1 gain on held-out feedback a class needs before its head replaces the base score.</summary>
    [Range(0.0, 1.0)]
    public double MinF1Improvement { get; set; } = 0.01;

    [Range(10, 100_000)]
    public int Epochs { get; set; } = 400;
}
