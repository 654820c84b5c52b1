using System.Diagnostics;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Outbox;

namespace Moderation.Results.Aggregation;

/// <summary>
/// Persists what <see cref="MediumLifecycle"/> decided, in the unit of work of the medium's transaction: rows to insert,
/// outbox messages and callbacks, metrics and logs. The medium's own row was changed in place and is saved with it.
/// </summary>
public sealed class LifecycleRecorder(ResultsDbContext db, OutboxWriter outbox, ResultsMetrics metrics, ILogger<LifecycleRecorder> logger)
{
    public void Record(Medium medium, Transition transition)
    {
        foreach (var effect in transition.Effects)
        {
            Record(medium, effect);
        }
    }

    private void Record(Medium medium, LifecycleEffect effect)
    {
        switch (effect)
        {
            case FrameStored(var row):
                db.FrameScores.Add(row);
                break;
            case MaximumOpened(var row):
                db.ClassMaxima.Add(row);
                break;
            case HashStored(var row, var matches):
                db.MediumHashes.Add(row);
                db.MediumMatches.AddRange(matches);
                if (matches.Count > 0)
                {
                    metrics.BankMatches(matches.Count);
                    logger.LogInformation("Medium {MediaId} frame {FrameIndex} matched {Banks}", medium.Id, row.FrameIndex,
                        string.Join(", ", matches.Select(m => $"{m.BankName} ({m.Action}, {m.Distance} bits)")));
                }

                break;
            case FrameRedelivered(var frameIndex, var modelVersion):
                logger.LogDebug("Frame {FrameIndex} of medium {MediaId} was already scored by {ModelVersion}; redelivery ignored",
                    frameIndex, medium.Id, modelVersion);
                metrics.DuplicateFrame();
                break;
            case SubmissionRedelivered:
                logger.LogDebug("Medium {MediaId} is already registered; redelivered MediaSubmitted ignored", medium.Id);
                break;
            case FrameCountRevised(var before, var after):
                logger.LogWarning("Medium {MediaId}: extraction reported {FrameCount} frames after earlier reporting {KnownCount}; the later count wins",
                    medium.Id, after, before);
                break;
            case Decided decided:
                Record(medium, decided);
                break;
            case FailureRecorded(var failure):
                metrics.Failed(failure.Reason);
                logger.LogWarning("Medium {MediaId} failed at {Stage}: {Reason} {Detail}", medium.Id, failure.Stage, failure.Reason, failure.Detail);
                break;
            case FailureIgnored(var failure, var state):
                logger.LogInformation("Medium {MediaId} is already {State}; failure {Reason} from {Stage} ignored",
                    medium.Id, state, failure.Reason, failure.Stage);
                break;
            case FailureCallbackDue(var failure):
                outbox.Callback(medium, CallbackEventNames.MediaFailed, (id, at) => new FailureCallback(
                    id, CallbackEventNames.MediaFailed, at, medium.Id, medium.ExternalId, medium.Sha256, failure));
                break;
            case DecisionAnnounced(var announcement):
                outbox.AnnounceVerdict(medium, announcement);
                break;
            default:
                // DecisionRestored depends on what already left the outbox (ReviewUndoService), ErasureAnnounced on
                // the bus after the transaction (the consumers): neither is a row of this unit of work.
                throw new UnreachableException($"{effect.GetType().Name} is not persisted with the medium.");
        }
    }

    private void Record(Medium medium, Decided decided)
    {
        var (verdict, announcement, earlyExit, review) = decided;
        db.Verdicts.Add(verdict);
        if (earlyExit is not null)
        {
            outbox.Publish(earlyExit);
        }

        outbox.AnnounceVerdict(medium, announcement);
        if (review is not null)
        {
            db.ReviewTasks.Add(review);
        }

        metrics.Verdict(verdict.Decision, verdict.DecidedEarly, verdict.Latency);
        logger.LogDebug(
            "Medium {MediaId} decided {Decision} by policy {Policy} v{PolicyVersion} after {FramesScored} frames (early: {DecidedEarly}, trigger: {TriggerClass})",
            medium.Id, verdict.Decision, verdict.PolicyName, verdict.PolicyVersion, verdict.FramesScored, verdict.DecidedEarly, verdict.TriggerClass);
    }
}
