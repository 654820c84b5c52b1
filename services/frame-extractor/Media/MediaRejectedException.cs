using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Media;

/// <summary>The medium cannot be sampled; <see cref="Reason"/> is a <see cref="FailureReasons"/> code for <see cref="MediaFailed"/>.</summary>
public sealed class MediaRejectedException(string reason, string detail, Exception? inner = null) : Exception(detail, inner)
{
    public string Reason { get; } = reason;
}
