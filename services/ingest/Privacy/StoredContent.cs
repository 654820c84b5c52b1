using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// A medium's blobs. Originals are content-addressed (<c>media/ab/&lt;sha256&gt;</c>) and shared by every medium with the
/// same bytes, of any client: the bytes go only when no medium references them any more — no submission here that still
/// holds a blob reference and none in results (asked at that moment). Otherwise only the reference goes. Frames are per
/// medium and always go.
/// <para>
/// Whatever adds a reference (an upload putting the bytes in place and recording its submission) and whatever releases
/// one (erasure, retention) runs under the content's lock — a PostgreSQL advisory lock on its hash, held by a transaction
/// of this service's database — so bytes are never deleted between an upload finding them stored and recording that it
/// uses them, and of two media with the same bytes released at once the later sees the earlier gone and deletes them.
/// </para>
/// </summary>
public sealed class StoredContent(
    IngestDbContext db,
    IBlobStore blobs,
    IRequestClient<CountContentReferences> references,
    IOptions<ResultsClientOptions> resultsOptions,
    ILogger<StoredContent> logger)
{
    /// <summary>
    /// Runs <paramref name="work"/> in a transaction of <see cref="IngestDbContext"/> that holds the lock of the content
    /// (none when <paramref name="sha256"/> is null) and commits it. The work may run again after a transient database
    /// failure, so it must be idempotent; save with <c>acceptAllChangesOnSuccess: false</c>.
    /// </summary>
    public Task<T> UnderLockAsync<T>(string? sha256, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(async token =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            if (sha256 is not null)
            {
                var key = "content:" + sha256.ToLowerInvariant();
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", token);
            }

            var result = await work(token);
            await transaction.CommitAsync(token);
            db.ChangeTracker.AcceptAllChanges();
            return result;
        }, cancellationToken);
    }

    /// <summary>
    /// Deletes the original's bytes when nothing references them; true when they were deleted (or already gone). Call it
    /// under the content's lock (<see cref="UnderLockAsync{T}"/>), after the released medium's own references are gone.
    /// </summary>
    public async Task<bool> ReleaseOriginalAsync(string? sha256, CancellationToken cancellationToken)
    {
        if (sha256 is not { Length: 64 } || await db.Submissions.AnyAsync(s => s.Sha256 == sha256 && s.BlobKey != null, cancellationToken))
        {
            return false;
        }

        var timeout = RequestTimeout.After(ms: (int)resultsOptions.Value.RequestTimeout.TotalMilliseconds);
        var inResults = (await references.GetResponse<ContentReferences>(new CountContentReferences(sha256), cancellationToken, timeout)).Message.Media;
        if (inResults > 0)
        {
            return false;
        }

        await blobs.DeleteAsync(BlobStorageExtensions.MediaKey(sha256), cancellationToken);
        logger.LogDebug("Deleted the original {Sha256}: no medium references it any more", sha256);
        return true;
    }

    public Task<int> DeleteFramesAsync(Guid mediaId, CancellationToken cancellationToken) => blobs.DeleteFramesAsync(mediaId, cancellationToken);
}
