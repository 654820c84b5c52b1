using Moderation.Classifier.Inference;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Registry;

/// <summary>
/// A model ready to score: its session, its preprocessing and the feedback head applied on top. <see cref="Registration"/>
/// is null for the worker's configured model (<c>Classifier:ManifestPath</c>), whose head may change between batches.
/// </summary>
public sealed class LoadedModel(RegisteredModel? registration, IFrameClassifier classifier, FramePreprocessor preprocessor, FeedbackHead.Applied? head)
{
    public RegisteredModel? Registration { get; } = registration;

    public IFrameClassifier Classifier { get; } = classifier;

    public FramePreprocessor Preprocessor { get; } = preprocessor;

    public FeedbackHead.Applied? Head { get; } = head;

    /// <summary>The version its scores carry: the registered version, else the head's, else the base model's.</summary>
    public string ScoreVersion => Registration?.Version ?? Head?.Head.Version ?? Classifier.Model.Version;

    /// <summary>When the bulk lane last used it (evicted from the cache when idle long enough).</summary>
    public DateTimeOffset LastUsed { get; set; }
}

/// <summary>What live frames are scored with now: the deciding model, and the shadow beside it on a share of media.</summary>
public sealed record LiveModels(LoadedModel Active, LoadedModel? Shadow, double ShadowShare)
{
    /// <summary>
    /// Whether the shadow scores this medium: chosen by its id, so every frame of a medium is shadowed or none is, and
    /// the shadow's decision on it can be compared with the active one's.
    /// </summary>
    public bool Shadows(Guid mediaId)
    {
        if (Shadow is null || ShadowShare <= 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        mediaId.TryWriteBytes(bytes);
        var bucket = BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(bytes)) % 10_000;
        return bucket < ShadowShare * 10_000;
    }
}
