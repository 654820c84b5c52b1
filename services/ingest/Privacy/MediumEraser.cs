using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Data;
using Moderation.Ingest.Data;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// <c>DELETE /media/{id}</c>: decides who may erase (the owning client, or an administrator for any medium), has results
/// erase its rows (refused under legal hold), then deletes what ingest holds — the submissions and the blobs — and keeps
/// a tombstone. Every step is idempotent, so a repeated request finishes what an interrupted one left and answers the same.
/// </summary>
public sealed class MediumEraser(
    IngestDbContext db,
    StoredContent content,
    IRequestClient<EraseMedium> results,
    IOptions<ResultsClientOptions> resultsOptions,
    TimeProvider clock,
    ILogger<MediumEraser> logger)
{
    /// <summary>The erasure's outcome (see <see cref="ErasureOutcomes"/>); a medium the caller may not see is <c>not-found</c>.</summary>
    public async Task<MediumErasure> EraseAsync(Guid mediaId, string caller, bool anyClient, string? reason, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = mediaId });
        var submissions = await db.Submissions.AsNoTracking().Where(s => s.MediaId == mediaId && s.State != SubmissionState.Pending).ToListAsync(cancellationToken);
        var tombstone = await db.Erasures.AsNoTracking().FirstOrDefaultAsync(e => e.MediaId == mediaId, cancellationToken);
        var owner = submissions.Select(s => s.ClientId).FirstOrDefault() ?? tombstone?.ClientId;
        if (owner is null ? !anyClient : !anyClient && owner != caller)
        {
            return new MediumErasure(mediaId, ErasureOutcomes.NotFound, null, null, null, null, null, 0);
        }

        var sha256 = submissions.Select(s => s.Sha256).FirstOrDefault(s => s is not null) ?? tombstone?.Sha256;
        var timeout = RequestTimeout.After(ms: (int)resultsOptions.Value.RequestTimeout.TotalMilliseconds);
        var erasure = (await results.GetResponse<MediumErasure>(
            new EraseMedium(mediaId, owner, anyClient, sha256, caller, reason, clock.GetUtcNow()), cancellationToken, timeout)).Message;
        if (erasure.Outcome is not (ErasureOutcomes.Erased or ErasureOutcomes.AlreadyErased))
        {
            return erasure;
        }

        // The tombstone first: were the process to stop before the submissions are gone, the owner could still repeat.
        if (tombstone is null)
        {
            db.Erasures.Add(new Erasure
            {
                MediaId = mediaId,
                ClientId = erasure.ClientId ?? owner ?? "",
                Sha256 = erasure.Sha256 ?? sha256,
                ErasedBy = erasure.ErasedBy ?? caller,
                ErasedAt = erasure.ErasedAt ?? clock.GetUtcNow(),
                Reason = erasure.Reason,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // The same erasure twice at once: the other request recorded the tombstone.
                db.ChangeTracker.Clear();
            }
        }

        await db.Submissions.Where(s => s.MediaId == mediaId).ExecuteDeleteAsync(cancellationToken);
        var frames = await content.DeleteFramesAsync(mediaId, cancellationToken);
        var original = await content.ReleaseOriginalAsync(erasure.Sha256 ?? sha256, erasure.OtherReferences, cancellationToken);
        logger.LogInformation("Erased {MediaId} for {Caller}: {Frames} frames deleted, original {Original}", mediaId, caller, frames,
            original ? "deleted" : "still referenced by other media");
        return erasure;
    }
}
