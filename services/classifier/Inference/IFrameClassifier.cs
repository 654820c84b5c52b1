using Moderation.Model;

namespace Moderation.Classifier.Inference;

/// <summary>
/// A model that scores batches of preprocessed frames. The ONNX Runtime one is the only implementation today; another
/// runtime is another class behind this interface.
/// </summary>
public interface IFrameClassifier
{
    /// <summary>The manifest the model was loaded from: name, version, classes, input description.</summary>
    ModelManifest Model { get; }

    /// <summary>Where inference actually runs (after any fallback).</summary>
    ExecutionProviderKind ExecutionProvider { get; }

    /// <summary>Reusable batch buffers sized for this model and the configured batch size.</summary>
    FrameBatchPool Batches { get; }

    /// <summary>Runs the model once on every image of a batch at maximum size and at size one, so the first real batch is fast.</summary>
    void WarmUp();

    /// <summary>Scores the <see cref="FrameBatch.Count"/> frames of <paramref name="batch"/> into its output buffers.</summary>
    Task ClassifyAsync(FrameBatch batch, CancellationToken cancellationToken);
}
