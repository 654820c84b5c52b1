using MassTransit;
using Moderation.Contracts.V1;

namespace Moderation.Results.Privacy;

public static class ErasureAnnouncements
{
    /// <summary>
    /// Tells the pipeline again that these media are erased: a late message shows something still works on them (an
    /// extraction that began after the erasure, say), and that work must stop and remove what it stored.
    /// </summary>
    public static async Task AnnounceErasedAsync(this IPublishEndpoint publisher, IReadOnlyList<Guid> erased, CancellationToken cancellationToken)
    {
        foreach (var mediaId in erased)
        {
            await publisher.Publish(new MediumErased(mediaId, Guid.Empty), cancellationToken);
        }
    }
}
