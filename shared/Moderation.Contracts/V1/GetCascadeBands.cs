namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="CascadeBands"/>): the model configuration and uncertain band of every
/// policy in force. Classifier workers that can run the cascade ask after start and then periodically, so the band
/// follows a policy's thresholds without a restart; results owns the policies, the classifier only applies them.
/// </summary>
public sealed record GetCascadeBands;

/// <summary>Response to <see cref="GetCascadeBands"/>.</summary>
/// <param name="DefaultPolicy">The policy that judges a submission naming none, or an unknown one.</param>
public sealed record CascadeBands(string DefaultPolicy, IReadOnlyList<PolicyBand> Policies);

/// <summary>
/// One policy's model configuration and, for the cascade, when a frame is re-scored by the second model: no class at or
/// above its <paramref name="Block"/> threshold (such a frame keeps the first model's scores, so what it would block
/// stays blocked) and at least one class at or above its <paramref name="EscalateFrom"/> score.
/// </summary>
/// <param name="Models">One of <see cref="ModelConfigurations"/>.</param>
public sealed record PolicyBand(
    string Policy,
    int PolicyVersion,
    string Models,
    IReadOnlyDictionary<string, float> EscalateFrom,
    IReadOnlyDictionary<string, float> Block);

/// <summary>The model configurations a policy can name, each a versioned, documented way of scoring a frame (docs/model.md).</summary>
public static class ModelConfigurations
{
    /// <summary>MobileNetV2 alone (nsfwjs's small model).</summary>
    public const string MobileNetV2 = "mobilenet_v2";

    /// <summary>
    /// MobileNetV2 scores every frame; a frame in the policy's uncertain band is re-scored by InceptionV3, and its final
    /// scores are the two models' mean per class (version 1 of the cascade's rule).
    /// </summary>
    public const string CascadeV1 = "cascade-v1";

    public static IReadOnlyList<string> All { get; } = [MobileNetV2, CascadeV1];
}

/// <summary>Which rule produced a frame's final scores (<see cref="FrameClassified.ScoreRule"/>).</summary>
public static class ScoreRules
{
    /// <summary>The policy names one model: its scores.</summary>
    public const string SingleModel = "single-model";

    /// <summary>Cascade: no class of the first model in the band; its scores stand.</summary>
    public const string OutsideBand = "outside-band";

    /// <summary>Cascade: a class of the first model at or above its block threshold; never escalated, never lowered.</summary>
    public const string AtBlock = "at-block";

    /// <summary>Cascade: in the band, re-scored by the second model; the cascade's rule gives the final scores.</summary>
    public const string Escalated = "escalated";

    /// <summary>Cascade: in the band, but this worker has no second model (or could not learn the band); the first model's scores.</summary>
    public const string EscalationUnavailable = "escalation-unavailable";
}
