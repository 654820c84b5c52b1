using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Queries;
using Npgsql;

namespace Moderation.Results.Aggregation;

/// <summary>
/// De-duplication across clients. Identical content is judged once, but every client gets a medium of its own: a
/// completed copy of the source's verdict, class maxima and frame scores under the client's new id, external id and
/// client id. Nothing links the copy to the source in any answer, so one client never learns what another uploaded.
/// Embeddings and review feedback stay with the source: the feedback head learns from each picture once.
/// </summary>
public sealed class VerdictReuse(ResultsDbContext db, MediaQueries queries, TimeProvider clock, ILogger<VerdictReuse> logger)
{
    public async Task<MediaStatus> ReuseAsync(ReuseVerdict request, CancellationToken cancellationToken)
    {
        if (await db.Media.AsNoTracking().AnyAsync(m => m.Id == request.MediaId, cancellationToken))
        {
            return await queries.StatusAsync(request.MediaId, cancellationToken);
        }

        var source = await db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.SourceMediaId, cancellationToken);
        var verdict = source is null ? null : await db.Verdicts.AsNoTracking().FirstOrDefaultAsync(v => v.MediaId == source.Id, cancellationToken);
        var now = clock.GetUtcNow();
        if (MediumLifecycle.LendVerdict(source, verdict, request, now) is not { } lent)
        {
            return NotFound(request.MediaId);
        }

        db.Media.Add(lent.Medium);
        db.Verdicts.Add(lent.Verdict);
        var maxima = await db.ClassMaxima.AsNoTracking().Where(c => c.MediaId == request.SourceMediaId).ToListAsync(cancellationToken);
        db.ClassMaxima.AddRange(maxima.Select(c => new ClassMaximumRow
        {
            MediaId = request.MediaId, ClassName = c.ClassName, Score = c.Score, FrameIndex = c.FrameIndex, TimestampSeconds = c.TimestampSeconds,
            ModelVersion = c.ModelVersion,
        }));
        var frames = await db.FrameScores.AsNoTracking().Where(f => f.MediaId == request.SourceMediaId).ToListAsync(cancellationToken);
        db.FrameScores.AddRange(frames.Select(f => new FrameScore
        {
            MediaId = request.MediaId, FrameIndex = f.FrameIndex, ModelVersion = f.ModelVersion, ModelName = f.ModelName,
            TimestampSeconds = f.TimestampSeconds, Scores = f.Scores, ClassifiedAt = f.ClassifiedAt, ReceivedAt = now,
            ModelConfiguration = f.ModelConfiguration, ScoreRule = f.ScoreRule, ModelScores = f.ModelScores,
        }));

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // The same request twice at once (a retry): the first one's copy is the answer.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return await queries.StatusAsync(request.MediaId, cancellationToken);
            }

            // An erased medium is never brought back. Read after the insert: an erasure that committed before it left
            // this tombstone; one still running waits for this transaction on the medium's row and then deletes it.
            if (await db.Erasures.AnyAsync(e => e.MediaId == request.MediaId, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                logger.LogInformation("Medium {MediaId} of {ClientId} is erased; no verdict lent to it", request.MediaId, request.ClientId);
                return NotFound(request.MediaId);
            }

            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        logger.LogInformation("Recorded {MediaId} of {ClientId} with the verdict of identical content", request.MediaId, request.ClientId);
        return await queries.StatusAsync(request.MediaId, cancellationToken);
    }

    private static MediaStatus NotFound(Guid mediaId) => new(mediaId, false, MediaStates.Unknown, null, null, 0, 0, 0, null, null);
}
