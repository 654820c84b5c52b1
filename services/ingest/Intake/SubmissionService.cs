using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Data;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Intake;

/// <summary>
/// Turns a staged upload into accepted work. Order matters: the blob is durable before anything is recorded, the record
/// exists (as pending) before <c>MediaSubmitted</c> is published, and the submission counts as accepted only once the
/// broker has confirmed the message — if the publish fails the record is removed and the client gets 503, so nothing is
/// ever accepted that the pipeline will not finish.
/// </summary>
public sealed class SubmissionService
{
    private readonly IngestDbContext _db;
    private readonly MediaIntake _intake;
    private readonly StoredContent _content;
    private readonly IPublishEndpoint _publisher;
    private readonly IRequestClient<FindVerdictByContent> _verdicts;
    private readonly IRequestClient<ReuseVerdict> _reuse;
    private readonly IntakeOptions _options;
    private readonly DeduplicationOptions _dedup;
    private readonly TimeProvider _clock;
    private readonly ILogger<SubmissionService> _logger;
    private readonly Counter<long> _submissions;

    public SubmissionService(
        IngestDbContext db,
        MediaIntake intake,
        StoredContent content,
        IPublishEndpoint publisher,
        IRequestClient<FindVerdictByContent> verdicts,
        IRequestClient<ReuseVerdict> reuse,
        IOptions<IntakeOptions> options,
        IOptions<DeduplicationOptions> dedup,
        TimeProvider clock,
        IMeterFactory meters,
        ILogger<SubmissionService> logger)
    {
        _db = db;
        _intake = intake;
        _content = content;
        _publisher = publisher;
        _verdicts = verdicts;
        _reuse = reuse;
        _options = options.Value;
        _dedup = dedup.Value;
        _clock = clock;
        _logger = logger;
        _submissions = meters.Create(Telemetry.MeterName).CreateCounter<long>("moderation.ingest.submissions", "{submission}",
            "Submissions answered by ingest, by outcome (accepted, duplicate) and source.");
    }

    /// <summary>
    /// The earlier submission this request retries (same client and idempotency key, or same external id), or null.
    /// A retry arriving while the first attempt is still being published is refused with 409 rather than run twice.
    /// </summary>
    public async Task<Submission?> FindRetryAsync(string clientId, string? idempotencyKey, string? externalId, CancellationToken cancellationToken)
    {
        if (idempotencyKey is null && externalId is null)
        {
            return null;
        }

        var previous = await _db.Submissions
            .Where(s => s.ClientId == clientId && ((idempotencyKey != null && s.IdempotencyKey == idempotencyKey) || (externalId != null && s.ExternalId == externalId)))
            .OrderByDescending(s => s.IdempotencyKey == idempotencyKey)
            .FirstOrDefaultAsync(cancellationToken);
        if (previous is not { State: SubmissionState.Pending })
        {
            return previous;
        }

        if (_clock.GetUtcNow() - previous.CreatedAt < _options.AbandonedPendingAfter)
        {
            throw InProgress();
        }

        // The attempt that recorded it died before the broker confirmed; nothing was accepted, so start over.
        _logger.LogWarning("Discarding abandoned pending submission {SubmissionId} of {MediaId}", previous.Id, previous.MediaId);
        _db.Submissions.Remove(previous);
        await _db.SaveChangesAsync(cancellationToken);
        return null;
    }

    public async Task<SubmissionOutcome> SubmitAsync(StagedMedia staged, SubmissionRequest request, CancellationToken cancellationToken)
    {
        var correlationId = Guid.NewGuid();
        var existing = await FindExistingVerdictAsync(staged, request, correlationId, cancellationToken);
        var submission = NewSubmission(request, staged, Guid.CreateVersion7(), null, SubmissionState.Pending);
        try
        {
            // The bytes are put in place (or found there) and this medium's reference to them recorded under the content's
            // lock, so an erasure or retention releasing the same bytes cannot delete them in between.
            await _content.UnderLockAsync(staged.Sha256, async token =>
            {
                submission.BlobKey = await _intake.PromoteAsync(staged, token);
                // A medium erased since its verdict was found is answered by nothing: this upload is classified afresh.
                if (existing is not null && !await _db.Erasures.AnyAsync(e => e.MediaId == existing.MediaId, token))
                {
                    submission.MediaId = existing.MediaId;
                    submission.CorrelationId = correlationId;
                    submission.State = SubmissionState.Duplicate;
                    submission.AcceptedAt = submission.CreatedAt;
                }

                if (_db.Entry(submission).State == EntityState.Detached)
                {
                    _db.Submissions.Add(submission);
                }

                return await _db.SaveChangesAsync(acceptAllChangesOnSuccess: false, token);
            }, cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            _db.ChangeTracker.Clear();
            await _intake.DiscardAsync(staged);
            throw InProgress();
        }
        catch
        {
            _db.ChangeTracker.Clear();
            await _intake.DiscardAsync(staged);
            throw;
        }

        if (submission.State == SubmissionState.Duplicate)
        {
            _submissions.Add(1, new("outcome", "duplicate"), new("source", request.Source.ToString().ToLowerInvariant()));
            _logger.LogInformation("Content {Sha256} already judged; answered {MediaId} with its verdict", staged.Sha256, existing!.MediaId);
            return new DuplicateSubmission(submission, existing);
        }

        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = submission.MediaId });
        await PublishAsync(submission, cancellationToken);

        submission.State = SubmissionState.Accepted;
        submission.AcceptedAt = _clock.GetUtcNow();
        await _db.SaveChangesAsync(CancellationToken.None);
        _submissions.Add(1, new("outcome", "accepted"), new("source", request.Source.ToString().ToLowerInvariant()));
        _logger.LogDebug("Accepted {MediaId}: {ContentType}, {SizeBytes} bytes, {Priority} priority, from {ClientId}",
            submission.MediaId, submission.ContentType, submission.SizeBytes, submission.Priority, submission.ClientId);
        return new AcceptedSubmission(submission);
    }

    /// <summary>
    /// A completed verdict for identical content (and, when configured, the same model version) as a medium of this
    /// client, or null. The client's own earlier medium is answered as it is; another client's verdict is reused through
    /// a new medium of this client (<see cref="ReuseVerdict"/>), so neither learns the other's media id or external id.
    /// Content ingest has never received is new: results is asked only about content seen before (an indexed lookup
    /// here instead of a request and its reply through the broker for every upload). Media that upload systems
    /// publish straight to the broker are therefore not found by content; they are classified again.
    /// </summary>
    private async Task<MediaStatus?> FindExistingVerdictAsync(StagedMedia staged, SubmissionRequest request, Guid correlationId, CancellationToken cancellationToken)
    {
        var sha256 = staged.Sha256;
        if (!_dedup.Enabled || !await _db.Submissions.AnyAsync(s => s.Sha256 == sha256, cancellationToken))
        {
            return null;
        }

        try
        {
            var timeout = RequestTimeout.After(ms: (int)_dedup.Timeout.TotalMilliseconds);
            var status = (await _verdicts.GetResponse<MediaStatus>(new FindVerdictByContent(sha256, request.Policy, request.ClientId), cancellationToken, timeout)).Message;
            if (!IsReusable(status))
            {
                return null;
            }

            if (await _db.Submissions.AnyAsync(s => s.ClientId == request.ClientId && s.MediaId == status.MediaId && s.State != SubmissionState.Pending, cancellationToken))
            {
                return status;
            }

            var reuse = new ReuseVerdict(Guid.CreateVersion7(), status.MediaId, correlationId, sha256, staged.Format.ContentType, staged.SizeBytes,
                request.ExternalId, request.Priority, request.Policy, request.ClientId, _clock.GetUtcNow());
            var copy = (await _reuse.GetResponse<MediaStatus>(reuse, cancellationToken, timeout)).Message;
            _logger.LogInformation("Content {Sha256} already judged for another client; recording {MediaId} of {ClientId} with its verdict: {Found}",
                sha256, reuse.MediaId, request.ClientId, copy.Found);
            return IsReusable(copy) ? copy : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Classifying again costs compute; refusing the upload would lose it. Prefer the former.
            _logger.LogWarning(e, "Results did not answer the de-duplication request for {Sha256}; classifying again", sha256);
            return null;
        }
    }

    private bool IsReusable(MediaStatus status) =>
        status is { Found: true, State: MediaStates.Completed, Verdict: not null } &&
        (string.IsNullOrEmpty(_dedup.ModelVersion) || status.Verdict.ModelVersion == _dedup.ModelVersion);

    private async Task PublishAsync(Submission submission, CancellationToken cancellationToken)
    {
        var message = new MediaSubmitted(
            submission.MediaId, submission.CorrelationId, submission.BlobKey, submission.SourceUrl, submission.Sha256, submission.ContentType,
            submission.SizeBytes, submission.ExternalId, submission.CallbackUrl, submission.Priority, submission.Policy, submission.ClientId,
            submission.CreatedAt);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        try
        {
            await _publisher.Publish(message, context =>
            {
                context.CorrelationId = submission.CorrelationId;
                context.SetPriority(submission.Priority.ToMessagePriority());
            }, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Publishing MediaSubmitted for {MediaId} failed; the submission is not accepted", submission.MediaId);
            _db.Submissions.Remove(submission);
            await _db.SaveChangesAsync(CancellationToken.None);
            throw new IntakeException(
                Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.BrokerUnavailable, "Cannot queue the medium",
                    "The message broker did not confirm the submission; nothing was accepted. Retry later."),
                FailureReasons.Internal, TimeSpan.FromSeconds(10));
        }
    }

    private Submission NewSubmission(SubmissionRequest request, StagedMedia staged, Guid mediaId, string? blobKey, SubmissionState state) => new()
    {
        Id = Guid.CreateVersion7(),
        MediaId = mediaId,
        CorrelationId = Guid.NewGuid(),
        ClientId = request.ClientId,
        IdempotencyKey = request.IdempotencyKey,
        ExternalId = request.ExternalId,
        State = state,
        Source = request.Source,
        Sha256 = staged.Sha256,
        BlobKey = blobKey,
        ContentType = staged.Format.ContentType,
        SizeBytes = staged.SizeBytes,
        SourceUrl = request.SourceUrl,
        CallbackUrl = request.CallbackUrl,
        Priority = request.Priority,
        Policy = request.Policy,
        CreatedAt = _clock.GetUtcNow(),
    };

    private IntakeException InProgress() =>
        new(Problems.Create(StatusCodes.Status409Conflict, Problems.IdempotencyConflict, "Submission in progress",
                "An earlier request with the same Idempotency-Key or external id is still being processed. Retry shortly to get its answer."),
            FailureReasons.Internal, TimeSpan.FromSeconds(2));
}
