using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Data;

namespace Moderation.Results.Queries;

/// <summary>Read side of the media tables, shared by the HTTP API and the request/response consumers.</summary>
public sealed class MediaQueries(ResultsDbContext db)
{
    public const int MaxPageSize = 200;

    public static double Progress(Medium medium)
    {
        if (medium.State == MediaStates.Completed)
        {
            return 1;
        }

        var of = medium.ExpectedFrames ?? medium.PlannedFrames;
        return of is > 0 ? Math.Clamp((double)medium.FramesScored / of.Value, 0, 1) : 0;
    }

    public async Task<MediaStatus> StatusAsync(Guid mediaId, CancellationToken cancellationToken)
    {
        var medium = await db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.Id == mediaId, cancellationToken);
        return medium is null
            ? new MediaStatus(mediaId, false, MediaStates.Unknown, null, null, 0, 0, 0, null, null)
            : await ToStatusAsync(medium, cancellationToken);
    }

    /// <summary>
    /// The newest completed verdict for the content under the same policy: ingest's de-duplication. A medium of
    /// <paramref name="clientId"/> comes first; another client's external id is never part of the answer.
    /// </summary>
    public async Task<MediaStatus> FindByContentAsync(string sha256, string? policy, string? clientId, CancellationToken cancellationToken)
    {
        var hash = sha256.Trim().ToLowerInvariant();
        var query = db.Media.AsNoTracking().Where(m => m.Sha256 == hash && m.State == MediaStates.Completed);
        query = string.IsNullOrWhiteSpace(policy) || policy == ResultsDbContext.DefaultPolicyName
            ? query.Where(m => m.PolicyName == null || m.PolicyName == ResultsDbContext.DefaultPolicyName)
            : query.Where(m => m.PolicyName == policy);
        var medium = await query.OrderByDescending(m => clientId != null && m.ClientId == clientId).ThenByDescending(m => m.DecidedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (medium is null)
        {
            return new MediaStatus(Guid.Empty, false, MediaStates.Unknown, null, hash, 0, 0, 0, null, null);
        }

        var status = await ToStatusAsync(medium, cancellationToken);
        // Another client's medium lends its verdict, never what it was matched against or reused from.
        return clientId is null || medium.ClientId == clientId ? status : status with
        {
            ExternalId = null,
            Verdict = status.Verdict is null ? null : status.Verdict with { Matches = [], ReusedFromMediaId = null },
        };
    }

    /// <param name="ownerClientId">Only a medium of this client; null for any client.</param>
    public async Task<MediaDetails?> DetailsAsync(Guid mediaId, string? ownerClientId, CancellationToken cancellationToken)
    {
        var medium = await Owned(ownerClientId).FirstOrDefaultAsync(m => m.Id == mediaId, cancellationToken);
        if (medium is null)
        {
            return null;
        }

        var verdict = await db.Verdicts.AsNoTracking().FirstOrDefaultAsync(v => v.MediaId == mediaId, cancellationToken);
        var live = await db.ClassMaxima.AsNoTracking().Where(c => c.MediaId == mediaId).OrderBy(c => c.ClassName)
            .Select(c => new ClassMaximum(c.ClassName, c.Score, c.FrameIndex, c.TimestampSeconds)).ToListAsync(cancellationToken);
        var tasks = await db.ReviewTasks.AsNoTracking().Where(t => t.MediaId == mediaId).OrderBy(t => t.CreatedAt).ToListAsync(cancellationToken);
        var feedback = await db.ReviewFeedback.AsNoTracking().Where(f => f.MediaId == mediaId).ToListAsync(cancellationToken);
        var reviews = tasks.Select(t => new ReviewView(t.Id, t.Status, t.Reason, t.Priority, t.CreatedAt, t.ClaimedBy, t.LeaseExpiresAt,
            feedback.Where(f => f.TaskId == t.Id).Select(ToView).FirstOrDefault())).ToList();

        return new MediaDetails(medium.Id, medium.ExternalId, medium.Sha256, medium.ContentType, medium.SizeBytes,
            medium.PolicyName ?? ResultsDbContext.DefaultPolicyName, medium.Priority, medium.ClientId, medium.State, medium.SubmittedAt,
            medium.FirstSeenAt, medium.UpdatedAt, medium.Kind, medium.DurationSeconds, medium.PlannedFrames, medium.ExpectedFrames,
            medium.FramesScored, Progress(medium), live, verdict is null ? null : ToView(medium, verdict), reviews, Failure(medium),
            new RetentionView(medium.LegalHold, medium.OriginalRemovedAt, medium.FramesRemovedAt))
        {
            Hashes = await HashesAsync(mediaId, cancellationToken),
        };
    }

    public async Task<IReadOnlyList<FrameView>?> FramesAsync(Guid mediaId, string? ownerClientId, CancellationToken cancellationToken)
    {
        if (!await Owned(ownerClientId).AnyAsync(m => m.Id == mediaId, cancellationToken))
        {
            return null;
        }

        return await db.FrameScores.AsNoTracking().Where(f => f.MediaId == mediaId)
            .OrderBy(f => f.FrameIndex).ThenBy(f => f.ModelVersion)
            .Select(f => new FrameView(f.FrameIndex, f.TimestampSeconds, f.ModelName, f.ModelVersion, f.Scores, f.ClassifiedAt, f.ModelConfiguration, f.ScoreRule, f.ModelScores)
            {
                HeatmapClasses = f.HeatmapClasses,
            })
            .ToListAsync(cancellationToken);
    }

    /// <summary>Newest first, keyset-paged on first-seen time.</summary>
    /// <param name="externalIdContains">A case-insensitive part of the external id (people searching), rather than the exact id.</param>
    public async Task<MediaPage> SearchAsync(string? ownerClientId, string? externalId, string? sha256, string? state, Decision? decision,
        DateTimeOffset? before, int limit, CancellationToken cancellationToken, string? externalIdContains = null)
    {
        var query = Owned(ownerClientId);
        if (!string.IsNullOrWhiteSpace(externalId))
        {
            query = query.Where(m => m.ExternalId == externalId);
        }

        if (!string.IsNullOrWhiteSpace(externalIdContains))
        {
            var pattern = "%" + externalIdContains.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                .Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(m => m.ExternalId != null && EF.Functions.ILike(m.ExternalId, pattern));
        }

        if (!string.IsNullOrWhiteSpace(sha256))
        {
            var hash = sha256.Trim().ToLowerInvariant();
            query = query.Where(m => m.Sha256 == hash);
        }

        if (!string.IsNullOrWhiteSpace(state))
        {
            query = query.Where(m => m.State == state);
        }

        if (decision is not null)
        {
            query = query.Where(m => m.Decision == decision);
        }

        if (before is not null)
        {
            query = query.Where(m => m.FirstSeenAt < before);
        }

        var size = Math.Clamp(limit, 1, MaxPageSize);
        var media = await query.OrderByDescending(m => m.FirstSeenAt).ThenByDescending(m => m.Id).Take(size + 1).ToListAsync(cancellationToken);
        var items = media.Take(size).Select(m => new MediaSummary(m.Id, m.ExternalId, m.Sha256, m.State, m.Decision, m.DecidedByReviewer,
            m.PolicyName ?? ResultsDbContext.DefaultPolicyName, m.FramesScored, Progress(m), m.FirstSeenAt, m.DecidedAt, m.FailureReason)).ToList();
        return new MediaPage(items, media.Count > size ? items[^1].FirstSeenAt : null);
    }

    private IQueryable<Medium> Owned(string? ownerClientId) =>
        ownerClientId is null ? db.Media.AsNoTracking() : db.Media.AsNoTracking().Where(m => m.ClientId == ownerClientId);

    private async Task<MediaStatus> ToStatusAsync(Medium medium, CancellationToken cancellationToken)
    {
        var verdict = await db.Verdicts.AsNoTracking().FirstOrDefaultAsync(v => v.MediaId == medium.Id, cancellationToken);
        return new MediaStatus(medium.Id, true, medium.State, medium.ExternalId, medium.Sha256, medium.ExpectedFrames ?? medium.PlannedFrames ?? 0,
            medium.FramesScored, Progress(medium),
            verdict is null ? null : new MediaVerdict(medium.Decision ?? verdict.Decision, verdict.Maxima, verdict.ModelName, verdict.ModelVersion,
                verdict.PolicyName, verdict.PolicyVersion, verdict.DecidedEarly, medium.DecidedByReviewer, medium.DecidedAt ?? verdict.DecidedAt)
            {
                ModelConfiguration = verdict.ModelConfiguration,
                EscalatedFrames = verdict.EscalatedFrames,
                Matches = verdict.Matches,
                ReusedFromMediaId = verdict.ReusedFromMediaId,
                Segments = verdict.Segments,
            },
            Failure(medium))
        {
            Hashes = await HashesAsync(medium.Id, cancellationToken),
        };
    }

    private Task<List<FrameHash>> HashesAsync(Guid mediaId, CancellationToken cancellationToken) =>
        db.MediumHashes.AsNoTracking().Where(h => h.MediaId == mediaId).OrderBy(h => h.FrameIndex)
            .Select(h => new FrameHash(h.FrameIndex, h.TimestampSeconds, h.Pdq, h.Quality)).ToListAsync(cancellationToken);

    private static VerdictView ToView(Medium medium, Verdict verdict) =>
        new(medium.Decision ?? verdict.Decision, verdict.Decision, medium.DecidedByReviewer, verdict.Maxima, verdict.FramesScored, verdict.ModelName,
            verdict.ModelVersion, verdict.PolicyName, verdict.PolicyVersion, verdict.DecidedEarly, verdict.TriggerClass, verdict.TriggerFrameIndex,
            verdict.DecidedAt, medium.DecidedByReviewer ? medium.DecidedAt : null, verdict.Latency?.TotalSeconds, verdict.ExtractionElapsed?.TotalSeconds,
            verdict.ModelConfiguration, verdict.EscalatedFrames, verdict.Segments)
        {
            Matches = verdict.Matches,
            ReusedFromMediaId = verdict.ReusedFromMediaId,
        };

    private static FeedbackView ToView(ReviewFeedback f) =>
        new(f.Id, f.Reviewer, f.Decision, f.Labels, f.Comment, f.TimeSpent.TotalSeconds, f.CreatedAt, f.Blind, f.ReasonCode);

    private static MediaFailure? Failure(Medium medium) =>
        medium.State == MediaStates.Failed
            ? new MediaFailure(medium.FailureReason ?? FailureReasons.Internal, medium.FailureDetail ?? "", medium.FailureStage ?? "", medium.FailedAt ?? medium.UpdatedAt)
            : null;
}
