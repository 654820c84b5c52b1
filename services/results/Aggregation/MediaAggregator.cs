using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;
using Moderation.Results.Outbox;
using Moderation.Results.Policies;
using Moderation.Results.Review;

namespace Moderation.Results.Aggregation;

/// <summary>
/// Turns the pipeline's messages about a medium into its state: registration, plan, per-class running maxima, and
/// exactly one conclusion — a verdict (early when a frame crosses a block threshold) or a failure.
/// </summary>
public sealed class MediaAggregator(
    ResultsDbContext db,
    MediumTransaction mediumTransaction,
    PolicyStore policies,
    OutboxWriter outbox,
    IOptions<ReviewOptions> reviewOptions,
    ResultsMetrics metrics,
    TimeProvider clock,
    ILogger<MediaAggregator> logger)
{
    public const string Stage = "results";

    /// <summary>
    /// Registers submitted media (who submitted, where to call back, which policy), a batch in one transaction; returns
    /// the erased media among them.
    /// </summary>
    public Task<IReadOnlyList<Guid>> RegisterAsync(IReadOnlyList<MediaSubmitted> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, m => m.MediaId, m => m.CorrelationId, async (medium, message, batch) =>
        {
            if (medium.IsRegistered)
            {
                if (medium.Sha256 is null && message.BlobKey is not null && message.Sha256 is not null)
                {
                    // A direct publisher's URL-only submission registered the medium; ingest fetched and stored it and
                    // now says what it is. The rest of the registration stands.
                    medium.Sha256 = message.Sha256.ToLowerInvariant();
                    medium.ContentType = message.ContentType;
                    medium.SizeBytes = message.SizeBytes;
                    return;
                }

                logger.LogDebug("Medium {MediaId} is already registered; redelivered MediaSubmitted ignored", medium.Id);
                return;
            }

            medium.CorrelationId = message.CorrelationId;
            medium.ExternalId = message.ExternalId;
            medium.Sha256 = message.Sha256?.ToLowerInvariant();
            medium.ContentType = message.ContentType;
            medium.SizeBytes = message.SizeBytes;
            medium.CallbackUrl = string.IsNullOrWhiteSpace(message.CallbackUrl) ? null : message.CallbackUrl;
            medium.PolicyName = string.IsNullOrWhiteSpace(message.Policy) ? null : message.Policy;
            medium.ClientId = message.ClientId;
            medium.Priority = message.Priority;
            medium.SubmittedAt = message.SubmittedAt;

            if (medium.State == MediaStates.Failed)
            {
                // The failure overtook the submission; the submitter learns about it now that we know where to call.
                QueueFailureCallback(medium);
            }
            else
            {
                await TryConcludeAsync(medium, batch, cancellationToken);
            }
        }, cancellationToken);

    /// <summary>Records planned frame counts, which drive progress, a batch in one transaction; returns the erased media among them.</summary>
    public Task<IReadOnlyList<Guid>> PlanAsync(IReadOnlyList<FramesPlanned> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, m => m.MediaId, m => m.CorrelationId, async (medium, message, batch) =>
        {
            medium.PlannedFrames = message.PlannedFrames;
            medium.Kind = message.Kind;
            medium.DurationSeconds = message.DurationSeconds;
            if (message.ExtractionComplete)
            {
                // A still: the plan is the outcome, no FrameExtractionCompleted follows.
                medium.ExpectedFrames = message.PlannedFrames;
            }

            if (medium.State == MediaStates.Pending)
            {
                medium.State = MediaStates.Processing;
            }

            await TryConcludeAsync(medium, batch, cancellationToken);
        }, cancellationToken);

    /// <summary>Folds frame scores of any number of media in one transaction; returns how many were new.</summary>
    public async Task<int> RecordScoresAsync(IReadOnlyList<FrameClassified> messages, CancellationToken cancellationToken)
    {
        var byMedium = messages.ToLookup(m => m.MediaId);
        var recorded = 0;
        await mediumTransaction.RunManyAsync(messages.Select(m => (m.MediaId, m.CorrelationId)), async locked =>
        {
            var batch = await LoadAsync(locked, cancellationToken);
            var ids = locked.Select(m => m.Id).ToList();
            var indices = messages.Select(m => m.FrameIndex).Distinct().ToList();
            var known = (await db.FrameScores.Where(f => ids.Contains(f.MediaId) && indices.Contains(f.FrameIndex))
                .Select(f => new { f.MediaId, f.FrameIndex, f.ModelVersion }).ToListAsync(cancellationToken)).ToLookup(f => f.MediaId);
            foreach (var medium in locked)
            {
                recorded += await RecordScoresAsync(medium, [.. byMedium[medium.Id]], [.. known[medium.Id].Select(k => (k.FrameIndex, k.ModelVersion))],
                    batch, cancellationToken);
            }
        }, cancellationToken);
        return recorded;
    }

    private async Task<int> RecordScoresAsync(Medium medium, IReadOnlyList<FrameClassified> messages, IReadOnlyList<(int FrameIndex, string ModelVersion)> known,
        BatchState batch, CancellationToken cancellationToken)
    {
        var scoredFrames = known.Select(k => k.FrameIndex).ToHashSet();
        var scoredKeys = known.ToHashSet();
        var maxima = batch.MaximaOf(medium.Id);
        var recorded = 0;
        foreach (var message in messages)
        {
            if (!scoredKeys.Add((message.FrameIndex, message.ModelVersion)))
            {
                logger.LogDebug("Frame {FrameIndex} of medium {MediaId} was already scored by {ModelVersion}; redelivery ignored",
                    message.FrameIndex, medium.Id, message.ModelVersion);
                metrics.DuplicateFrame();
                continue;
            }

            Record(medium, message, maxima, scoredFrames.Add(message.FrameIndex));
            batch.ModelsOf(medium.Id).Add((message.ModelName, message.ModelVersion));
            recorded++;
        }

        if (recorded > 0)
        {
            if (medium.State == MediaStates.Pending)
            {
                medium.State = MediaStates.Processing;
            }

            await TryConcludeAsync(medium, batch, cancellationToken);
        }

        return recorded;
    }

    private void Record(Medium medium, FrameClassified message, Dictionary<string, ClassMaximumRow> maxima, bool firstScoreOfFrame)
    {
        var scores = Sanitise(message.Scores);
        db.FrameScores.Add(new FrameScore
        {
            MediaId = medium.Id,
            FrameIndex = message.FrameIndex,
            ModelVersion = message.ModelVersion,
            ModelName = message.ModelName,
            TimestampSeconds = message.TimestampSeconds,
            Scores = scores,
            Embedding = message.Embedding,
            ClassifiedAt = message.ClassifiedAt,
            ReceivedAt = clock.GetUtcNow(),
        });
        if (firstScoreOfFrame)
        {
            medium.FramesScored++;
        }

        foreach (var (cls, score) in scores)
        {
            if (!maxima.TryGetValue(cls, out var current))
            {
                current = new ClassMaximumRow { MediaId = medium.Id, ClassName = cls, Score = float.NegativeInfinity, FrameIndex = int.MaxValue };
                maxima[cls] = current;
                db.ClassMaxima.Add(current);
            }

            // Ties go to the lower frame index, so the result does not depend on arrival order.
            if (score > current.Score || (score == current.Score && message.FrameIndex < current.FrameIndex))
            {
                current.Score = score;
                current.FrameIndex = message.FrameIndex;
                current.TimestampSeconds = message.TimestampSeconds;
                current.ModelVersion = message.ModelVersion;
            }
        }
    }

    /// <summary>Learns exact frame counts; a verdict completes once that many distinct frames are scored. Returns the erased media among them.</summary>
    public Task<IReadOnlyList<Guid>> CompleteExtractionAsync(IReadOnlyList<FrameExtractionCompleted> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, m => m.MediaId, m => m.CorrelationId, async (medium, message, batch) =>
        {
            if (medium.ExpectedFrames is int known && known != message.FrameCount)
            {
                logger.LogWarning("Medium {MediaId}: extraction reported {FrameCount} frames after earlier reporting {KnownCount}; the later count wins",
                    medium.Id, message.FrameCount, known);
            }

            medium.ExpectedFrames = message.FrameCount;
            medium.ExtractionElapsed = message.Elapsed;
            await TryConcludeAsync(medium, batch, cancellationToken);
        }, cancellationToken);

    /// <summary>Applies each message to its medium, in arrival order, all media of the batch in one transaction.</summary>
    private Task<IReadOnlyList<Guid>> RunEachAsync<TMessage>(IReadOnlyList<TMessage> messages, Func<TMessage, Guid> mediaId, Func<TMessage, Guid> correlationId,
        Func<Medium, TMessage, BatchState, Task> apply, CancellationToken cancellationToken)
    {
        var byMedium = messages.ToLookup(mediaId);
        return mediumTransaction.RunManyAsync(messages.Select(m => (mediaId(m), correlationId(m))), async locked =>
        {
            var batch = await LoadAsync(locked, cancellationToken);
            foreach (var medium in locked)
            {
                foreach (var message in byMedium[medium.Id])
                {
                    await apply(medium, message, batch);
                }
            }
        }, cancellationToken);
    }

    /// <summary>
    /// What folding frames into the batch's media and deciding them needs, read in two round trips for all of them:
    /// their running maxima (tracked, so changes are saved; late frames of concluded media still raise them) and the
    /// models that scored the open media's frames.
    /// </summary>
    private async Task<BatchState> LoadAsync(IReadOnlyList<Medium> media, CancellationToken cancellationToken)
    {
        var all = media.Select(m => m.Id).ToList();
        var open = media.Where(m => !m.IsConcluded).Select(m => m.Id).ToList();
        var maxima = await db.ClassMaxima.Where(c => all.Contains(c.MediaId)).ToListAsync(cancellationToken);
        var models = await db.FrameScores.Where(f => open.Contains(f.MediaId))
            .Select(f => new { f.MediaId, f.ModelName, f.ModelVersion }).Distinct().ToListAsync(cancellationToken);
        return new BatchState(
            maxima.GroupBy(c => c.MediaId).ToDictionary(g => g.Key, g => g.ToDictionary(c => c.ClassName)),
            models.GroupBy(m => m.MediaId).ToDictionary(g => g.Key, g => g.Select(m => (m.ModelName, m.ModelVersion)).ToHashSet()),
            policies);
    }

    /// <summary>One batch's view of its media's maxima and models, and the policies in force while it runs.</summary>
    private sealed class BatchState(
        Dictionary<Guid, Dictionary<string, ClassMaximumRow>> maxima,
        Dictionary<Guid, HashSet<(string Name, string Version)>> models,
        PolicyStore policies)
    {
        private readonly Dictionary<string, PolicyVersion> policiesInForce = new(StringComparer.Ordinal);

        public Dictionary<string, ClassMaximumRow> MaximaOf(Guid mediaId) =>
            maxima.TryGetValue(mediaId, out var rows) ? rows : maxima[mediaId] = new(StringComparer.Ordinal);

        public HashSet<(string Name, string Version)> ModelsOf(Guid mediaId) =>
            models.TryGetValue(mediaId, out var set) ? set : models[mediaId] = [];

        public async Task<PolicyVersion> PolicyAsync(string? name, CancellationToken cancellationToken)
        {
            var key = name ?? "";
            if (!policiesInForce.TryGetValue(key, out var policy))
            {
                policiesInForce[key] = policy = await policies.CurrentAsync(name, cancellationToken);
            }

            return policy;
        }
    }

    /// <summary>Ends the medium in a failure unless it is concluded already; false when the medium is erased.</summary>
    public Task<bool> FailAsync(Guid mediaId, Guid correlationId, MediaFailure failure, CancellationToken cancellationToken) =>
        mediumTransaction.RunAsync(mediaId, correlationId, medium =>
        {
            Fail(medium, failure);
            return Task.FromResult(true);
        }, whenErased: false, cancellationToken);

    /// <summary>Fails media that stopped making progress; returns how many were failed.</summary>
    public async Task<int> FailStalledAsync(TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - stallTimeout;
        var stalled = await db.Media.AsNoTracking()
            .Where(m => (m.State == MediaStates.Pending || m.State == MediaStates.Processing) && m.UpdatedAt < cutoff)
            .OrderBy(m => m.UpdatedAt)
            .Select(m => new { m.Id, m.CorrelationId })
            .Take(500)
            .ToListAsync(cancellationToken);
        foreach (var medium in stalled)
        {
            await mediumTransaction.RunAsync(medium.Id, medium.CorrelationId, locked =>
            {
                // Re-checked under the lock: a frame may have arrived since the scan.
                if (!locked.IsConcluded && locked.UpdatedAt < cutoff)
                {
                    Fail(locked, new MediaFailure(FailureReasons.ExtractionTimeout,
                        $"No progress for {stallTimeout}: {locked.FramesScored} of {locked.ExpectedFrames?.ToString() ?? locked.PlannedFrames?.ToString() ?? "?"} frames scored.",
                        Stage, clock.GetUtcNow()));
                }

                return Task.FromResult(true);
            }, whenErased: false, cancellationToken);
        }

        return stalled.Count;
    }

    private void Fail(Medium medium, MediaFailure failure)
    {
        if (medium.IsConcluded)
        {
            logger.LogInformation("Medium {MediaId} is already {State}; failure {Reason} from {Stage} ignored",
                medium.Id, medium.State, failure.Reason, failure.Stage);
            return;
        }

        medium.State = MediaStates.Failed;
        medium.FailureReason = failure.Reason;
        medium.FailureDetail = Truncate(failure.Detail, 4096);
        medium.FailureStage = failure.Stage;
        medium.FailedAt = failure.FailedAt;
        metrics.Failed(failure.Reason);
        logger.LogWarning("Medium {MediaId} failed at {Stage}: {Reason} {Detail}", medium.Id, failure.Stage, failure.Reason, failure.Detail);
        if (medium.IsRegistered)
        {
            QueueFailureCallback(medium);
        }
    }

    private async Task TryConcludeAsync(Medium medium, BatchState batch, CancellationToken cancellationToken)
    {
        if (medium.IsConcluded || !medium.IsRegistered)
        {
            return;
        }

        var allScored = medium.ExpectedFrames is int expected && medium.FramesScored >= expected;
        if (allScored && medium.FramesScored == 0)
        {
            Fail(medium, new MediaFailure(FailureReasons.NoFrames, "The extractor finished without producing any frame.", Stage, clock.GetUtcNow()));
            return;
        }

        var maxima = batch.MaximaOf(medium.Id).Values.Where(c => float.IsFinite(c.Score)).ToList();
        if (maxima.Count == 0)
        {
            return;
        }

        var policy = await batch.PolicyAsync(medium.PolicyName, cancellationToken);
        var decision = ModerationPolicy.Decide(policy, maxima.ToDictionary(c => c.ClassName, c => c.Score));
        var early = !allScored && decision.Decision == Decision.Block && policy.EarlyExit;
        if (allScored || early)
        {
            Conclude(medium, policy, decision, maxima, batch.ModelsOf(medium.Id), early);
        }
    }

    private void Conclude(
        Medium medium, PolicyVersion policy, PolicyDecision decision, List<ClassMaximumRow> maxima, IReadOnlyCollection<(string Name, string Version)> models, bool early)
    {
        var now = clock.GetUtcNow();
        var modelName = string.Join(',', models.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal));
        var modelVersion = string.Join(',', models.Select(m => m.Version).Distinct().Order(StringComparer.Ordinal));
        var contractMaxima = maxima.OrderBy(c => c.ClassName, StringComparer.Ordinal)
            .Select(c => new ClassMaximum(c.ClassName, c.Score, c.FrameIndex, c.TimestampSeconds))
            .ToList();
        var trigger = decision.TriggerClass is null ? null : maxima.Single(c => c.ClassName == decision.TriggerClass);

        var verdict = new Verdict
        {
            Id = Guid.CreateVersion7(),
            MediaId = medium.Id,
            Decision = decision.Decision,
            Maxima = contractMaxima,
            FramesScored = medium.FramesScored,
            ModelName = modelName,
            ModelVersion = modelVersion,
            PolicyName = policy.Name,
            PolicyVersion = policy.Version,
            DecidedEarly = early,
            TriggerClass = decision.TriggerClass,
            TriggerFrameIndex = trigger?.FrameIndex,
            DecidedAt = now,
            Latency = medium.SubmittedAt is { } submitted ? now - submitted : null,
            ExtractionElapsed = medium.ExtractionElapsed,
        };
        db.Verdicts.Add(verdict);
        medium.State = MediaStates.Completed;
        medium.Decision = decision.Decision;
        medium.DecidedAt = now;

        if (early && trigger is not null)
        {
            outbox.Publish(new MediaDecided(medium.Id, medium.CorrelationId, decision.Decision, trigger.ClassName, trigger.Score, trigger.FrameIndex));
        }

        outbox.AnnounceVerdict(medium, new VerdictReached(medium.Id, medium.CorrelationId, medium.ExternalId, decision.Decision, contractMaxima,
            medium.FramesScored, modelName, modelVersion, policy.Name, policy.Version, early, false, now));

        QueueReview(medium, policy, decision, maxima, now);
        metrics.Verdict(decision.Decision, early, verdict.Latency);
        logger.LogDebug(
            "Medium {MediaId} decided {Decision} by policy {Policy} v{PolicyVersion} after {FramesScored} frames (early: {DecidedEarly}, trigger: {TriggerClass})",
            medium.Id, decision.Decision, policy.Name, policy.Version, medium.FramesScored, early, decision.TriggerClass);
    }

    private void QueueReview(Medium medium, PolicyVersion policy, PolicyDecision decision, List<ClassMaximumRow> maxima, DateTimeOffset now)
    {
        string? reason = decision.Decision == Decision.Review ? ReviewReasons.Policy
            : AuditSample.Selected(medium.Id, reviewOptions.Value.AuditSampleRate) ? ReviewReasons.Audit
            : null;
        if (reason is null)
        {
            return;
        }

        var flagged = maxima.Where(c => ModerationPolicy.FlagThreshold(policy, c.ClassName) is not null).ToList();
        var priority = decision.Decision == Decision.Review ? decision.TriggerScore
            : (flagged.Count > 0 ? flagged : maxima).Max(c => c.Score);
        db.ReviewTasks.Add(new ReviewTask
        {
            Id = Guid.CreateVersion7(),
            MediaId = medium.Id,
            Reason = reason,
            Priority = priority,
            CreatedAt = now,
        });
    }

    private void QueueFailureCallback(Medium medium)
    {
        if (medium.CallbackUrl is null)
        {
            return;
        }

        var failure = new MediaFailure(medium.FailureReason ?? FailureReasons.Internal, medium.FailureDetail ?? "", medium.FailureStage ?? Stage,
            medium.FailedAt ?? clock.GetUtcNow());
        outbox.Callback(medium, CallbackEventNames.MediaFailed, (id, at) => new FailureCallback(
            id, CallbackEventNames.MediaFailed, at, medium.Id, medium.ExternalId, medium.Sha256, failure));
    }

    /// <summary>Scores are probabilities; anything else (NaN, out of range) is clamped rather than allowed to poison a maximum.</summary>
    private static Dictionary<string, float> Sanitise(IReadOnlyDictionary<string, float> scores)
    {
        var result = new Dictionary<string, float>(scores.Count, StringComparer.Ordinal);
        foreach (var (cls, score) in scores)
        {
            if (!string.IsNullOrWhiteSpace(cls) && cls.Length <= 64)
            {
                result[cls] = float.IsNaN(score) ? 0f : Math.Clamp(score, 0f, 1f);
            }
        }

        return result;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
