using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.Results.Review;

namespace Moderation.Results.Lifecycle;

/// <summary>The events of a medium's life, as <see cref="MediumLifecycle.WhenErased"/> tells them apart.</summary>
public enum MediumEvent
{
    Submitted,
    FramesPlanned,
    FrameHashed,
    FrameClassified,
    FrameFailed,
    ExtractionCompleted,
    MediaFailed,
    Stalled,
}

/// <summary>What a transition did: its effects, and whether the medium now waits for a policy's judgement (<see cref="MediumLifecycle.Judge"/>).</summary>
public sealed record Transition(IReadOnlyList<LifecycleEffect> Effects, bool JudgementDue = false)
{
    public static readonly Transition None = new([]);
}

/// <summary>
/// The life of one medium as a pure state machine, from its first message to exactly one conclusion — a verdict
/// (early when a frame crosses a block threshold) or a failure — and the reviewers' decisions after it. Each event is
/// a method that moves the medium's state (<see cref="MediumLife"/>, changed in place) and returns the effects to
/// persist with it. It reads no database, clock or bus: the caller holds the medium's row lock, passes the time and a
/// policy, and stores the state and effects in one transaction (<see cref="Aggregation.MediaAggregator"/>).
/// States, events and transitions are drawn in docs/results.md.
/// </summary>
/// <param name="auditSampleRate">Share of allow and block verdicts also sent to review (<see cref="ReviewOptions.AuditSampleRate"/>).</param>
public sealed class MediumLifecycle(double auditSampleRate)
{
    public const string Stage = "results";

    /// <summary>The stage named by failures of frames the classifier could not score.</summary>
    public const string ClassifierStage = "classifier";

    /// <summary>
    /// Whether a <see cref="MediaSubmitted"/> registers a medium: only a stored one does. The previous, URL-only format a
    /// direct publisher may still send while deployments roll (a <c>SourceUrl</c> and no blob, now
    /// <see cref="SubmitMediaByUrl"/>) is ingest's to fetch; the medium is registered, with its sha256, type and size,
    /// from the stored copy ingest then publishes.
    /// </summary>
    public static bool Registers(MediaSubmitted message) => !string.IsNullOrEmpty(message.BlobKey);

    /// <summary>
    /// <see cref="MediaSubmitted"/> of a stored medium (<see cref="Registers"/>): registers the medium (who submitted it,
    /// what it is, where to call back, which policy); a repetition changes nothing. A failure that overtook the
    /// submission is called back now that the callback URL is known.
    /// </summary>
    public Transition Submit(MediumLife life, MediaSubmitted message, DateTimeOffset now)
    {
        var medium = life.Medium;
        if (medium.IsRegistered)
        {
            return new([new SubmissionRedelivered()]);
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

        List<LifecycleEffect> effects = [];
        if (medium.State == MediaStates.Failed)
        {
            CallBackFailure(medium, now, effects);
            return new(effects);
        }

        return Settle(life, effects, now);
    }

    /// <summary>
    /// <see cref="FramesPlanned"/>: the plan drives progress; a plan that is also the outcome (a still,
    /// <see cref="FramesPlanned.ExtractionComplete"/>) fixes the frame count the verdict waits for.
    /// </summary>
    public Transition Plan(MediumLife life, FramesPlanned message, DateTimeOffset now)
    {
        var medium = life.Medium;
        medium.PlannedFrames = message.PlannedFrames;
        medium.Kind = message.Kind;
        medium.DurationSeconds = message.DurationSeconds;
        medium.SampleIntervalSeconds = message.IntervalSeconds;
        if (message.ExtractionComplete)
        {
            medium.ExpectedFrames = message.PlannedFrames;
        }

        StartProcessing(medium);
        return Settle(life, [], now);
    }

    /// <summary>
    /// <see cref="FrameClassified"/>, the medium's frames of one batch: each new (frame, model version) is stored and
    /// raises the class maxima (ties go to the lower frame index, so arrival order never matters); a repeated key
    /// changes nothing. Frames of a concluded medium are still stored, but decide nothing.
    /// </summary>
    public Transition Classify(MediumLife life, IReadOnlyList<FrameClassified> frames, DateTimeOffset now)
    {
        var medium = life.Medium;
        List<LifecycleEffect> effects = [];
        var recorded = false;
        foreach (var frame in frames)
        {
            if (!life.TryClaim(frame.FrameIndex, frame.ModelVersion, out var firstOfFrame))
            {
                effects.Add(new FrameRedelivered(frame.FrameIndex, frame.ModelVersion));
                continue;
            }

            var scores = Sanitise(frame.Scores);
            effects.Add(new FrameStored(new FrameScore
            {
                MediaId = medium.Id,
                FrameIndex = frame.FrameIndex,
                ModelVersion = frame.ModelVersion,
                ModelName = frame.ModelName,
                TimestampSeconds = frame.TimestampSeconds,
                Scores = scores,
                Embedding = frame.Embedding,
                HeatmapClasses = [.. frame.HeatmapClasses ?? []],
                ClassifiedAt = frame.ClassifiedAt,
                ReceivedAt = now,
                ModelConfiguration = frame.ModelConfiguration,
                ScoreRule = frame.ScoreRule,
                ModelScores = [.. frame.ModelScores ?? []],
            }));
            if (firstOfFrame)
            {
                medium.FramesScored++;
            }

            Raise(life, frame.FrameIndex, frame.TimestampSeconds, frame.ModelVersion, scores, effects);
            life.AddFrame(frame.FrameIndex, frame.TimestampSeconds, scores);
            life.Models.Add((frame.ModelName, frame.ModelVersion));
            life.Scored(frame.ModelConfiguration, frame.ScoreRule);
            recorded = true;
        }

        if (!recorded)
        {
            return new(effects);
        }

        StartProcessing(medium);
        return Settle(life, effects, now);
    }

    /// <summary>
    /// <see cref="MatchFrameHash"/>, a frame's PDQ hash with what it matched (<paramref name="matches"/>: the banks the
    /// medium may see, within their distance; <paramref name="nearDuplicate"/>: the same client's decided still it
    /// nearly equals). Known content may decide the medium at once (<see cref="KnownDecision"/>). A frame hashed before
    /// changes nothing.
    /// </summary>
    public Transition Hash(MediumLife life, MediumHash hash, IReadOnlyList<MediumMatch> matches, MediaKind kind, (Guid MediaId, Decision Decision)? nearDuplicate,
        DateTimeOffset now)
    {
        var medium = life.Medium;
        medium.Kind ??= kind;
        if (nearDuplicate is var (source, decision) && medium.NearDuplicateOf is null)
        {
            medium.NearDuplicateOf = source;
            medium.NearDuplicateDecision = decision;
        }

        life.Matches.AddRange(matches);
        StartProcessing(medium);
        return Settle(life, [new HashStored(hash, matches)], now);
    }

    /// <summary>
    /// The decision known content gives the medium before any model: a block match decides any medium; a still is
    /// decided by any match (an allow bank over a review bank) or, without one, by the decision of a near-duplicate
    /// still of the same client. Null when the model is to judge.
    /// </summary>
    public static Decision? KnownDecision(MediumLife life)
    {
        var medium = life.Medium;
        if (life.Matches.Any(m => m.Action == BankAction.Block))
        {
            return Decision.Block;
        }

        if (medium.Kind != MediaKind.Still)
        {
            return null;
        }

        return life.Matches.Any(m => m.Action == BankAction.Allow) ? Decision.Allow
            : life.Matches.Any(m => m.Action == BankAction.Review) ? Decision.Review
            : medium.NearDuplicateDecision;
    }

    /// <summary>
    /// What the extractor does with a hashed frame: nothing more of a concluded medium or one known content decides;
    /// a frame of a moving medium that matched an allow bank is not classified (reviewers cleared that picture); any
    /// other frame goes to the classifier.
    /// </summary>
    public static FrameHashMatched Outcome(MediumLife life, int frameIndex)
    {
        var medium = life.Medium;
        if (medium.IsConcluded)
        {
            return new(medium.Id, frameIndex, FrameHashOutcome.Decided, medium.Decision);
        }

        if (KnownDecision(life) is { } known)
        {
            return new(medium.Id, frameIndex, FrameHashOutcome.Decided, known);
        }

        return life.Matches.Any(m => m.FrameIndex == frameIndex && m.Action == BankAction.Allow)
            ? new(medium.Id, frameIndex, FrameHashOutcome.Skip, null)
            : new(medium.Id, frameIndex, FrameHashOutcome.Classify, null);
    }

    /// <summary><see cref="FrameExtractionCompleted"/>: the exact frame count the verdict waits for (a later count wins).</summary>
    public Transition CompleteExtraction(MediumLife life, FrameExtractionCompleted message, DateTimeOffset now)
    {
        var medium = life.Medium;
        List<LifecycleEffect> effects = [];
        if (medium.ExpectedFrames is int known && known != message.FrameCount)
        {
            effects.Add(new FrameCountRevised(known, message.FrameCount));
        }

        medium.ExpectedFrames = message.FrameCount;
        medium.ExtractionElapsed = message.Elapsed;
        return Settle(life, effects, now);
    }

    /// <summary><see cref="MediaFailed"/> from any stage: fails the medium unless it is concluded already.</summary>
    public Transition Fail(MediumLife life, MediaFailed message) =>
        Fail(life, new MediaFailure(message.Reason, message.Detail, message.Stage, message.FailedAt));

    /// <summary><see cref="FrameFailed"/>: a frame the classifier could not score fails the medium unless it is concluded already.</summary>
    public Transition FailFrame(MediumLife life, FrameFailed message, DateTimeOffset now) =>
        Fail(life, new MediaFailure(message.Reason, $"Frame {message.FrameIndex}: {message.Detail}", ClassifierStage, now));

    /// <summary>
    /// The stalled-media sweep: an open medium without a change since <paramref name="cutoff"/> fails with
    /// <see cref="FailureReasons.ExtractionTimeout"/>. Decided on the locked row, since a frame may have arrived after
    /// the sweep picked it.
    /// </summary>
    public Transition Stall(MediumLife life, DateTimeOffset cutoff, TimeSpan stallTimeout, DateTimeOffset now)
    {
        var medium = life.Medium;
        if (medium.IsConcluded || medium.UpdatedAt >= cutoff)
        {
            return Transition.None;
        }

        var expected = medium.ExpectedFrames?.ToString() ?? medium.PlannedFrames?.ToString() ?? "?";
        return Fail(life, new MediaFailure(FailureReasons.ExtractionTimeout,
            $"No progress for {stallTimeout}: {medium.FramesScored} of {expected} frames scored.", Stage, now));
    }

    /// <summary>
    /// Applies the policy in force to a medium whose transition returned <see cref="Transition.JudgementDue"/>: it is
    /// decided once every expected frame is scored, or early when a class crosses a block threshold and the policy
    /// exits early; otherwise it keeps waiting.
    /// </summary>
    public Transition Judge(MediumLife life, PolicyVersion policy, DateTimeOffset now)
    {
        var medium = life.Medium;
        List<LifecycleEffect> effects = [];
        if (Settle(life, effects, now) is not { JudgementDue: true })
        {
            return new(effects);
        }

        var allScored = AllScored(medium);
        var judgement = Assess(life, policy);
        // Known content decides at once. Otherwise, while frames are missing, only a medium known to be a still or a
        // moving medium may exit early: a frame can reach results before its medium's plan, and a video must not be
        // blocked on the still rule.
        var early = !allScored && (KnownDecision(life) is not null
            || (judgement.Decision.Decision == Decision.Block && policy.EarlyExit && medium.Kind is not null));
        if (allScored || early)
        {
            effects.Add(Conclude(life, policy, judgement, life.FiniteMaxima.ToList(), early, now));
        }

        return new(effects);
    }

    /// <summary>
    /// What the policy says about the medium's scores as they stand — the one judgement behind a live verdict
    /// (<see cref="Judge"/>) and a backfill's re-decision (<see cref="Redecide"/>): known content first
    /// (<see cref="KnownDecision"/>); then, for a video or animation, the temporal rules (smoothing, corroboration,
    /// flagged segments, <see cref="TemporalJudgement"/>), for a still its maxima; a frame in a review bank sends an
    /// allowed medium to review.
    /// </summary>
    public static TemporalDecision Assess(MediumLife life, PolicyVersion policy)
    {
        if (KnownDecision(life) is { } known)
        {
            return new TemporalDecision(new PolicyDecision(known, null, 1f), null, []);
        }

        var medium = life.Medium;
        var judgement = life.IsMoving
            ? TemporalJudgement.Decide(policy, life.Frames.Values, medium.ExpectedFrames, medium.SampleIntervalSeconds, medium.DurationSeconds)
            : Still(policy, [.. life.FiniteMaxima]);
        if (judgement.Decision.Decision == Decision.Allow && life.Matches.Any(m => m.Action == BankAction.Review))
        {
            // A frame of a moving medium in a review bank: a reviewer sees it, whatever the model thought of the rest.
            judgement = judgement with { Decision = new PolicyDecision(Decision.Review, null, 1f) };
        }

        return judgement;
    }

    /// <summary>
    /// A backfill's re-decision of a concluded medium: its frames as another model version scored them
    /// (<paramref name="frames"/>, those that could be scored), with the medium's hash-bank matches, judged by
    /// <paramref name="policy"/> exactly as a live verdict is (<see cref="Assess"/>: corroboration and segments for a
    /// video, known content first). The caller numbers the revision, compares it with the decision in force and decides
    /// whether it applies; the medium is not changed.
    /// </summary>
    public static VerdictRevision Redecide(Medium medium, PolicyVersion policy, IEnumerable<MediumMatch> matches, IEnumerable<FrameSample> frames,
        string modelName, string modelVersion, DateTimeOffset now)
    {
        var life = new MediumLife(medium, matches: matches);
        var scored = 0;
        foreach (var frame in frames.OrderBy(f => f.FrameIndex))
        {
            var scores = Sanitise(frame.Scores);
            Raise(life, frame.FrameIndex, frame.TimestampSeconds, modelVersion, scores, effects: null);
            life.AddFrame(frame.FrameIndex, frame.TimestampSeconds, scores);
            scored++;
        }

        var judgement = Assess(life, policy);
        return new VerdictRevision
        {
            MediaId = medium.Id,
            Decision = judgement.Decision.Decision,
            Maxima = ContractMaxima(life.FiniteMaxima),
            FramesScored = scored,
            ModelName = modelName,
            ModelVersion = modelVersion,
            PolicyName = policy.Name,
            PolicyVersion = policy.Version,
            TriggerClass = judgement.Decision.TriggerClass,
            TriggerFrameIndex = judgement.TriggerFrameIndex,
            Segments = [.. judgement.Segments],
            Matches = ContractMatches(life),
            ReusedFromMediaId = ReusedFrom(life),
            DecidedAt = now,
        };
    }

    /// <summary>
    /// A reviewer's decision on a completed medium: it becomes the decision in force and, when it differs from the one
    /// before, is announced like a verdict. The same decision again by a reviewer changes nothing.
    /// </summary>
    public static Transition Review(Medium medium, Verdict verdict, Decision decision, DateTimeOffset now)
    {
        if (medium.Decision == decision && medium.DecidedByReviewer)
        {
            return Transition.None;
        }

        var overrides = medium.Decision != decision;
        medium.Decision = decision;
        medium.DecidedByReviewer = true;
        medium.DecidedAt = now;
        return overrides ? new([new DecisionAnnounced(Announcement(medium, verdict, decision, byReviewer: true, now))]) : Transition.None;
    }

    /// <summary>
    /// An undone review: the decision in force returns to the earlier reviewer's (<paramref name="previous"/>), else
    /// to the automatic verdict's; <see cref="DecisionRestored"/> when that changes it.
    /// </summary>
    public static Transition UndoReview(Medium medium, Verdict verdict, ReviewFeedback? previous, DateTimeOffset now)
    {
        var restored = previous?.Decision ?? verdict.Decision;
        var changed = medium.Decision != restored;
        medium.Decision = restored;
        medium.DecidedByReviewer = previous is not null;
        medium.DecidedAt = previous?.CreatedAt ?? verdict.DecidedAt;
        return changed ? new([new DecisionRestored(Announcement(medium, verdict, restored, previous is not null, now))]) : Transition.None;
    }

    /// <summary>
    /// Cross-client de-duplication: a medium not seen yet is born completed with a copy of the source's verdict, when
    /// the source is completed with identical content and its verdict is final (a verdict still waiting for a
    /// reviewer is not: that client's review task would never reach the copy). Null when it may not be lent.
    /// </summary>
    public static (Medium Medium, Verdict Verdict)? LendVerdict(Medium? source, Verdict? verdict, ReuseVerdict request, DateTimeOffset now)
    {
        // A verdict decided by known content is not lent: a client's own banks and media decide for that client only,
        // and the copy's own run through the pipeline meets the global banks anyway.
        if (source is not { State: MediaStates.Completed } || verdict is null || (source.Decision == Decision.Review && !source.DecidedByReviewer)
            || verdict.Matches.Count > 0 || verdict.ReusedFromMediaId is not null
            || !string.Equals(source.Sha256, request.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var medium = new Medium
        {
            Id = request.MediaId,
            CorrelationId = request.CorrelationId,
            ExternalId = request.ExternalId,
            Sha256 = source.Sha256,
            ContentType = request.ContentType ?? source.ContentType,
            SizeBytes = request.SizeBytes,
            PolicyName = source.PolicyName,
            ClientId = request.ClientId,
            Priority = request.Priority,
            Kind = source.Kind,
            DurationSeconds = source.DurationSeconds,
            SampleIntervalSeconds = source.SampleIntervalSeconds,
            SubmittedAt = request.SubmittedAt,
            FirstSeenAt = now,
            UpdatedAt = now,
            State = MediaStates.Completed,
            PlannedFrames = source.PlannedFrames,
            ExpectedFrames = source.ExpectedFrames,
            FramesScored = source.FramesScored,
            ExtractionElapsed = source.ExtractionElapsed,
            Decision = source.Decision,
            DecidedByReviewer = source.DecidedByReviewer,
            DecidedAt = now,
        };
        var copy = new Verdict
        {
            Id = Guid.CreateVersion7(),
            MediaId = request.MediaId,
            Decision = verdict.Decision,
            Maxima = verdict.Maxima,
            FramesScored = verdict.FramesScored,
            ModelName = verdict.ModelName,
            ModelVersion = verdict.ModelVersion,
            PolicyName = verdict.PolicyName,
            PolicyVersion = verdict.PolicyVersion,
            DecidedEarly = verdict.DecidedEarly,
            TriggerClass = verdict.TriggerClass,
            TriggerFrameIndex = verdict.TriggerFrameIndex,
            Segments = verdict.Segments,
            DecidedAt = now,
            Latency = now - request.SubmittedAt,
            ExtractionElapsed = verdict.ExtractionElapsed,
            ModelConfiguration = verdict.ModelConfiguration,
            EscalatedFrames = verdict.EscalatedFrames,
        };
        return (medium, copy);
    }

    /// <summary>
    /// An event about an erased medium (its tombstone is found under the row lock; nothing of it is stored again). A
    /// message about the whole medium shows that something still works on it — an extraction that began after the
    /// erasure — so the erasure is announced again; the frames of such an extraction are many and end in its
    /// completion or failure, which announces it once; the stall sweep only finds what exists.
    /// </summary>
    public static Transition WhenErased(Guid mediaId, MediumEvent @event) =>
        @event is MediumEvent.FrameClassified or MediumEvent.FrameFailed or MediumEvent.Stalled ? Transition.None : new([new ErasureAnnounced(mediaId)]);

    private static void StartProcessing(Medium medium)
    {
        if (medium.State == MediaStates.Pending)
        {
            medium.State = MediaStates.Processing;
        }
    }

    private static bool AllScored(Medium medium) => medium.ExpectedFrames is int expected && medium.FramesScored >= expected;

    /// <summary>
    /// After an event: an open, registered medium whose extraction ended without a frame fails; one with scores waits
    /// for a policy's judgement.
    /// </summary>
    private static Transition Settle(MediumLife life, List<LifecycleEffect> effects, DateTimeOffset now)
    {
        var medium = life.Medium;
        if (medium.IsConcluded || !medium.IsRegistered)
        {
            return new(effects);
        }

        // Frames that matched a bank count as judged: a medium whose every frame was cleared by an allow bank is decided.
        var known = KnownDecision(life) is not null;
        if (AllScored(medium) && medium.FramesScored == 0 && !known && life.Matches.Count == 0)
        {
            return Fail(life, new MediaFailure(FailureReasons.NoFrames, "The extractor finished without producing any frame.", Stage, now), effects);
        }

        return new(effects, known || life.FiniteMaxima.Any() || (AllScored(medium) && life.Matches.Count > 0));
    }

    private static Transition Fail(MediumLife life, MediaFailure failure, List<LifecycleEffect>? effects = null)
    {
        var medium = life.Medium;
        effects ??= [];
        if (medium.IsConcluded)
        {
            effects.Add(new FailureIgnored(failure, medium.State));
            return new(effects);
        }

        medium.State = MediaStates.Failed;
        medium.FailureReason = failure.Reason;
        medium.FailureDetail = Truncate(failure.Detail, 4096);
        medium.FailureStage = failure.Stage;
        medium.FailedAt = failure.FailedAt;
        effects.Add(new FailureRecorded(failure));
        if (medium.IsRegistered)
        {
            CallBackFailure(medium, failure.FailedAt, effects);
        }

        return new(effects);
    }

    private static void CallBackFailure(Medium medium, DateTimeOffset now, List<LifecycleEffect> effects)
    {
        if (medium.CallbackUrl is not null)
        {
            effects.Add(new FailureCallbackDue(new MediaFailure(medium.FailureReason ?? FailureReasons.Internal, medium.FailureDetail ?? "",
                medium.FailureStage ?? Stage, medium.FailedAt ?? now)));
        }
    }

    /// <summary>Raises the class maxima by a frame's scores; <paramref name="effects"/> (when the rows are stored) gets each newly opened one.</summary>
    private static void Raise(MediumLife life, int frameIndex, double timestampSeconds, string modelVersion, Dictionary<string, float> scores,
        List<LifecycleEffect>? effects)
    {
        foreach (var (cls, score) in scores)
        {
            if (!life.Maxima.TryGetValue(cls, out var current))
            {
                current = new ClassMaximumRow { MediaId = life.Medium.Id, ClassName = cls, Score = float.NegativeInfinity, FrameIndex = int.MaxValue };
                life.Maxima[cls] = current;
                effects?.Add(new MaximumOpened(current));
            }

            // Ties go to the lower frame index, so the result does not depend on arrival order.
            if (score > current.Score || (score == current.Score && frameIndex < current.FrameIndex))
            {
                current.Score = score;
                current.FrameIndex = frameIndex;
                current.TimestampSeconds = timestampSeconds;
                current.ModelVersion = modelVersion;
            }
        }
    }

    private static List<ClassMaximum> ContractMaxima(IEnumerable<ClassMaximumRow> maxima) =>
        [.. maxima.OrderBy(c => c.ClassName, StringComparer.Ordinal).Select(c => new ClassMaximum(c.ClassName, c.Score, c.FrameIndex, c.TimestampSeconds))];

    private static List<BankMatch> ContractMatches(MediumLife life) =>
        [.. life.Matches.OrderBy(m => m.FrameIndex).ThenBy(m => m.Distance).ThenBy(m => m.BankName, StringComparer.Ordinal).Select(m => m.ToContract())];

    /// <summary>The near-duplicate whose decision the medium reuses: only when no bank match but known content decides it.</summary>
    private static Guid? ReusedFrom(MediumLife life) => life.Matches.Count == 0 && KnownDecision(life) is not null ? life.Medium.NearDuplicateOf : null;

    /// <summary>A still (or a medium of one sample) is judged by its maxima; the trigger frame is the trigger class's maximum.</summary>
    private static TemporalDecision Still(PolicyVersion policy, List<ClassMaximumRow> maxima)
    {
        var decision = ModerationPolicy.Decide(policy, maxima.ToDictionary(c => c.ClassName, c => c.Score));
        var trigger = decision.TriggerClass is null ? null : maxima.Single(c => c.ClassName == decision.TriggerClass);
        return new TemporalDecision(decision, trigger?.FrameIndex, []);
    }

    private Decided Conclude(MediumLife life, PolicyVersion policy, TemporalDecision judgement, List<ClassMaximumRow> maxima, bool early, DateTimeOffset now)
    {
        var decision = judgement.Decision;
        var medium = life.Medium;
        var modelName = string.Join(',', life.Models.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal));
        var modelVersion = string.Join(',', life.Models.Select(m => m.Version).Distinct().Order(StringComparer.Ordinal));
        var contractMaxima = ContractMaxima(maxima);
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
            TriggerFrameIndex = judgement.TriggerFrameIndex,
            Segments = [.. judgement.Segments],
            DecidedAt = now,
            Latency = medium.SubmittedAt is { } submitted ? now - submitted : null,
            ExtractionElapsed = medium.ExtractionElapsed,
            ModelConfiguration = life.Configurations.Count == 0 ? null : string.Join(',', life.Configurations.Order(StringComparer.Ordinal)),
            EscalatedFrames = life.EscalatedFrames,
            Matches = ContractMatches(life),
            ReusedFromMediaId = ReusedFrom(life),
        };
        medium.State = MediaStates.Completed;
        medium.Decision = decision.Decision;
        medium.DecidedAt = now;

        var earlyExit = early && decision.TriggerClass is not null && judgement.TriggerFrameIndex is int triggerFrame
            ? new MediaDecided(medium.Id, medium.CorrelationId, decision.Decision, decision.TriggerClass, decision.TriggerScore, triggerFrame)
            : null;
        var announcement = new VerdictReached(medium.Id, medium.CorrelationId, medium.ExternalId, decision.Decision, contractMaxima,
            medium.FramesScored, modelName, modelVersion, policy.Name, policy.Version, early, false, now)
        {
            ModelConfiguration = verdict.ModelConfiguration,
            EscalatedFrames = verdict.EscalatedFrames,
            Matches = verdict.Matches,
            ReusedFromMediaId = verdict.ReusedFromMediaId,
            Segments = verdict.Segments,
        };
        return new Decided(verdict, announcement, earlyExit, ReviewTaskFor(medium, policy, decision, maxima, life.Matches.Count > 0, now));
    }

    /// <summary>A review task for a <c>review</c> verdict, or for an allow or block one in the audit sample; null otherwise.</summary>
    private ReviewTask? ReviewTaskFor(Medium medium, PolicyVersion policy, PolicyDecision decision, List<ClassMaximumRow> maxima, bool matched, DateTimeOffset now)
    {
        string? reason = decision.Decision == Decision.Review ? (matched && decision.TriggerClass is null ? ReviewReasons.Bank : ReviewReasons.Policy)
            : AuditSample.Selected(medium.Id, auditSampleRate) ? ReviewReasons.Audit
            : null;
        if (reason is null)
        {
            return null;
        }

        var flagged = maxima.Where(c => ModerationPolicy.FlagThreshold(policy, c.ClassName) is not null).ToList();
        var priority = decision.Decision == Decision.Review ? decision.TriggerScore
            : (flagged.Count > 0 ? flagged : maxima).Select(c => c.Score).DefaultIfEmpty(1f).Max();
        return new ReviewTask
        {
            Id = Guid.CreateVersion7(),
            MediaId = medium.Id,
            Reason = reason,
            Priority = priority,
            CreatedAt = now,
        };
    }

    private static VerdictReached Announcement(Medium medium, Verdict verdict, Decision decision, bool byReviewer, DateTimeOffset now) =>
        new(medium.Id, medium.CorrelationId, medium.ExternalId, decision, verdict.Maxima, verdict.FramesScored, verdict.ModelName, verdict.ModelVersion,
            verdict.PolicyName, verdict.PolicyVersion, verdict.DecidedEarly, byReviewer, now)
        {
            ModelConfiguration = verdict.ModelConfiguration,
            EscalatedFrames = verdict.EscalatedFrames,
            Matches = verdict.Matches,
            ReusedFromMediaId = verdict.ReusedFromMediaId,
            Segments = verdict.Segments,
        };

    /// <summary>A re-decision (<see cref="Redecide"/>) told like a verdict: what its <c>verdict.redecided</c> callback carries.</summary>
    public static VerdictReached Announcement(Medium medium, VerdictRevision revision) =>
        new(medium.Id, medium.CorrelationId, medium.ExternalId, revision.Decision, revision.Maxima, revision.FramesScored, revision.ModelName,
            revision.ModelVersion, revision.PolicyName, revision.PolicyVersion, false, false, revision.DecidedAt)
        {
            Matches = revision.Matches,
            ReusedFromMediaId = revision.ReusedFromMediaId,
            Segments = revision.Segments,
        };

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
