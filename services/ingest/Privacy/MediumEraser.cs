using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// <c>DELETE /media/{id}</c>: decides who may erase (the owning client, or an administrator for any medium), has results
/// erase its rows (refused under legal hold), then deletes what ingest holds — the submissions and the blobs — and keeps
/// a tombstone. Every step is idempotent, so a repeated request finishes what an interrupted one left and answers the same.
/// The original's bytes go with the last medium that references them (<see cref="StoredContent"/>).
/// </summary>
public sealed class MediumEraser(
    IngestDbContext db,
    StoredContent stored,
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
            return new MediumErasure(mediaId, ErasureOutcomes.NotFound, null, null, null, null, null);
        }

        var sha256 = submissions.Select(s => s.Sha256).FirstOrDefault(s => s is not null) ?? tombstone?.Sha256;
        var timeout = RequestTimeout.After(ms: (int)resultsOptions.Value.RequestTimeout.TotalMilliseconds);
        var erasure = (await results.GetResponse<MediumErasure>(
            new EraseMedium(mediaId, owner, anyClient, sha256, caller, reason, clock.GetUtcNow()), cancellationToken, timeout)).Message;
        if (erasure.Outcome is not (ErasureOutcomes.Erased or ErasureOutcomes.AlreadyErased))
        {
            return erasure;
        }

        // The tombstone, the end of this medium's references and the release of the original commit together, under the
        // content's lock: an upload of the same bytes either recorded its reference before (and keeps them) or puts them back after.
        var content = erasure.Sha256 ?? sha256;
        var original = await stored.UnderLockAsync(content, async token =>
        {
            var erasedAt = erasure.ErasedAt ?? clock.GetUtcNow();
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO erasures ("MediaId", "ClientId", "Sha256", "ErasedBy", "ErasedAt", "Reason")
                VALUES ({mediaId}, {erasure.ClientId ?? owner ?? ""}, {content}, {erasure.ErasedBy ?? caller}, {erasedAt}, {erasure.Reason})
                ON CONFLICT ("MediaId") DO NOTHING
                """,
                token);
            await db.Submissions.Where(s => s.MediaId == mediaId).ExecuteDeleteAsync(token);
            return await stored.ReleaseOriginalAsync(content, token);
        }, cancellationToken);
        var frames = await stored.DeleteFramesAsync(mediaId, cancellationToken);
        logger.LogInformation("Erased {MediaId} for {Caller}: {Frames} frames deleted, original {Original}", mediaId, caller, frames,
            original ? "deleted" : "still referenced by other media");
        return erasure;
    }
}
