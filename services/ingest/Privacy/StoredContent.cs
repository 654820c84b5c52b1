using Microsoft.EntityFrameworkCore;
using Moderation.BlobStorage;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// Removes a medium's blobs. Originals are content-addressed (<c>media/ab/&lt;sha256&gt;</c>) and shared by every medium
/// with the same bytes, of any client: the bytes go only when no medium references them any more — none in results
/// (counted there and passed in) and no submission here that still holds a blob reference. Otherwise only the
/// reference goes. Frames are per medium and always go.
/// </summary>
public sealed class StoredContent(IngestDbContext db, IBlobStore blobs, ILogger<StoredContent> logger)
{
    /// <summary>Deletes the original's bytes when nothing references them; true when they were deleted (or already gone).</summary>
    public async Task<bool> ReleaseOriginalAsync(string? sha256, int otherReferencesInResults, CancellationToken cancellationToken)
    {
        if (sha256 is not { Length: 64 } || otherReferencesInResults > 0
            || await db.Submissions.AnyAsync(s => s.Sha256 == sha256 && s.BlobKey != null, cancellationToken))
        {
            return false;
        }

        await blobs.DeleteAsync(BlobStorageExtensions.MediaKey(sha256), cancellationToken);
        logger.LogDebug("Deleted the original {Sha256}: no medium references it any more", sha256);
        return true;
    }

    public Task<int> DeleteFramesAsync(Guid mediaId, CancellationToken cancellationToken) => blobs.DeleteFramesAsync(mediaId, cancellationToken);
}
