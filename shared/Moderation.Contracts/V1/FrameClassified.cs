namespace Moderation.Contracts.V1;

/// <summary>Scores of one frame. Unique on (<see cref="MediaId"/>, <see cref="FrameIndex"/>, <see cref="ModelVersion"/>).</summary>
/// <param name="Scores">Probability per class name, in the model manifest's class order.</param>
/// <param name="Embedding">The model's penultimate-layer embedding, used by the review feedback loop.</param>
public sealed record FrameClassified(
    Guid MediaId,
    Guid CorrelationId,
    int FrameIndex,
    double TimestampSeconds,
    IReadOnlyDictionary<string, float> Scores,
    float[]? Embedding,
    string ModelName,
    string ModelVersion,
    DateTimeOffset ClassifiedAt) : IMediaMessage
{
    /// <summary>
    /// The model configuration that scored the frame (<see cref="ModelConfigurations"/>); absent from classifiers before
    /// the cascade, which ran <see cref="ModelConfigurations.MobileNetV2"/>.
    /// </summary>
    public string? ModelConfiguration { get; init; }

    /// <summary>Which rule of the configuration produced <see cref="Scores"/> (<see cref="ScoreRules"/>).</summary>
    public string? ScoreRule { get; init; }

    /// <summary>Every model's raw scores for the frame, in the order the models ran (the first one's after any feedback head).</summary>
    public IReadOnlyList<ModelScores>? ModelScores { get; init; }

    /// <summary>
    /// Classes whose class activation map the classifier stored beside the frame (<c>BlobStorageExtensions.HeatmapKey</c>):
    /// where in the picture the model saw them. Empty from classifiers before this version and for models without the map.
    /// </summary>
    public IReadOnlyList<string> HeatmapClasses { get; init; } = [];
}
