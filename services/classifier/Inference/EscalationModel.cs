using Microsoft.Extensions.Options;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The cascade's second model (InceptionV3) when <see cref="ClassifierOptions.EscalationManifestPath"/> names one: its
/// own session with the worker's settings, verified against its manifest like the first, and its own preprocessing at its
/// own input size (the same exact nsfwjs resize). Absent, the worker scores every frame with the first model alone.
/// </summary>
public sealed class EscalationModel : IDisposable
{
    private readonly OnnxFrameClassifier? classifier;

    public EscalationModel(IOptions<ClassifierOptions> options, ClassifierMetrics metrics, ILogger<EscalationModel> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.EscalationManifestPath))
        {
            return;
        }

        classifier = new OnnxFrameClassifier(settings.EscalationManifestPath, settings, metrics, logger);
        Preprocessor = new FramePreprocessor(classifier, options);
    }

    /// <summary>The second model; null when the worker has none.</summary>
    public IFrameClassifier? Classifier => classifier;

    /// <summary>Decodes and resizes pictures for the second model; null when the worker has none.</summary>
    public FramePreprocessor? Preprocessor { get; }

    public void Dispose() => classifier?.Dispose();
}
