using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Pdq;
using Moderation.Results.Banks;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Policies;

namespace Moderation.Results.Aggregation;

/// <summary>
/// Runs the pipeline's messages about media through <see cref="MediumLifecycle"/>: loads each medium's state under its
/// row lock (<see cref="MediumTransaction"/>, a batch of media in one transaction), applies the event, asks the policy
/// in force when the machine wants a judgement, and has <see cref="LifecycleRecorder"/> persist what it decided. The
/// methods return the erased media whose erasure must be announced again.
/// </summary>
public sealed class MediaAggregator(
    ResultsDbContext db,
    MediumTransaction mediumTransaction,
    MediumLifecycle lifecycle,
    LifecycleRecorder recorder,
    PolicyStore policies,
    TimeProvider clock)
{
    public Task<IReadOnlyList<Guid>> RegisterAsync(IReadOnlyList<MediaSubmitted> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, MediumEvent.Submitted, m => m.MediaId, m => m.CorrelationId, lifecycle.Submit, cancellationToken);

    public Task<IReadOnlyList<Guid>> PlanAsync(IReadOnlyList<FramesPlanned> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, MediumEvent.FramesPlanned, m => m.MediaId, m => m.CorrelationId, lifecycle.Plan, cancellationToken);

    public Task<IReadOnlyList<Guid>> CompleteExtractionAsync(IReadOnlyList<FrameExtractionCompleted> messages, CancellationToken cancellationToken) =>
        RunEachAsync(messages, MediumEvent.ExtractionCompleted, m => m.MediaId, m => m.CorrelationId, lifecycle.CompleteExtraction, cancellationToken);

    /// <summary>Folds frame scores of any number of media in one transaction; returns how many were new.</summary>
    public async Task<int> RecordScoresAsync(IReadOnlyList<FrameClassified> messages, CancellationToken cancellationToken)
    {
        var byMedium = messages.ToLookup(m => m.MediaId);
        var recorded = 0;
        await RunAsync(messages.Select(m => (m.MediaId, m.CorrelationId)), MediumEvent.FrameClassified, [.. messages.Select(m => m.FrameIndex).Distinct()],
            async (life, batch) =>
            {
                var transition = lifecycle.Classify(life, [.. byMedium[life.Medium.Id]], clock.GetUtcNow());
                recorded += transition.Effects.Count(e => e is FrameStored);
                await ApplyAsync(life, transition, batch, cancellationToken);
            }, cancellationToken);
        return recorded;
    }

    /// <summary>
    /// Records frames' PDQ hashes, of any number of media in one transaction, with what they match
    /// (<paramref name="match"/> runs in the transaction, on the locked medium) and answers, in the order of
    /// <paramref name="messages"/>, what the asker does with each frame. A frame hashed before is matched no more: the
    /// answer reflects the medium as it stands. An erased medium is answered as decided, so nothing more of it is published.
    /// </summary>
    public async Task<IReadOnlyList<FrameHashMatched>> HashAsync(IReadOnlyList<MatchFrameHash> messages,
        Func<Medium, MatchFrameHash, CancellationToken, Task<(IReadOnlyList<MediumMatch> Matches, (Guid MediaId, Decision Decision)? NearDuplicate)>> match,
        CancellationToken cancellationToken)
    {
        var byMedium = messages.ToLookup(m => m.MediaId);
        var media = byMedium.Select(g => g.Key).ToList();
        var frames = messages.Select(m => m.FrameIndex).Distinct().ToList();
        HashSet<(Guid MediaId, int FrameIndex)>? hashed = null;
        var answers = new Dictionary<(Guid MediaId, int FrameIndex), FrameHashMatched>();
        var erased = await RunAsync(messages.Select(m => (m.MediaId, m.CorrelationId)), MediumEvent.FrameHashed, [], async (life, batch) =>
        {
            // Read once all media are locked: a frame hashed by a concurrent redelivery is seen, never inserted twice.
            hashed ??= [.. (await db.MediumHashes.Where(h => media.Contains(h.MediaId) && frames.Contains(h.FrameIndex))
                .Select(h => new { h.MediaId, h.FrameIndex }).ToListAsync(cancellationToken)).Select(h => (h.MediaId, h.FrameIndex))];
            var medium = life.Medium;
            foreach (var message in byMedium[medium.Id])
            {
                if (hashed.Add((medium.Id, message.FrameIndex)))
                {
                    var (matches, nearDuplicate) = await match(medium, message, cancellationToken);
                    var now = clock.GetUtcNow();
                    var pdq = message.Pdq.ToLowerInvariant();
                    var hash = new MediumHash
                    {
                        MediaId = medium.Id, FrameIndex = message.FrameIndex, TimestampSeconds = message.TimestampSeconds, Pdq = pdq,
                        Quality = message.Quality, HashedAt = now,
                        Bands = message.Kind == MediaKind.Still && message.Quality >= PdqHash.MinUsefulQuality ? NearDuplicateBands.Of(pdq) : null,
                    };
                    await ApplyAsync(life, lifecycle.Hash(life, hash, matches, message.Kind, nearDuplicate, now), batch, cancellationToken);
                }

                answers[(medium.Id, message.FrameIndex)] = MediumLifecycle.Outcome(life, message.FrameIndex);
            }
        }, cancellationToken);
        return [.. messages.Select(m => !erased.Contains(m.MediaId) && answers.TryGetValue((m.MediaId, m.FrameIndex), out var answer)
            ? answer
            : new FrameHashMatched(m.MediaId, m.FrameIndex, FrameHashOutcome.Decided, null))];
    }

    public Task<IReadOnlyList<Guid>> FailAsync(MediaFailed message, CancellationToken cancellationToken) =>
        FailAsync(message.MediaId, message.CorrelationId, MediumEvent.MediaFailed, life => lifecycle.Fail(life, message), cancellationToken);

    public Task<IReadOnlyList<Guid>> FailFrameAsync(FrameFailed message, CancellationToken cancellationToken) =>
        FailAsync(message.MediaId, message.CorrelationId, MediumEvent.FrameFailed, life => lifecycle.FailFrame(life, message, clock.GetUtcNow()),
            cancellationToken);

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
        var failed = 0;
        foreach (var medium in stalled)
        {
            await FailAsync(medium.Id, medium.CorrelationId, MediumEvent.Stalled, life =>
            {
                var transition = lifecycle.Stall(life, cutoff, stallTimeout, clock.GetUtcNow());
                failed += transition.Effects.Count(e => e is FailureRecorded);
                return transition;
            }, cancellationToken);
        }

        return failed;
    }

    /// <summary>A failure needs the medium's row only: one medium, one transaction.</summary>
    private Task<IReadOnlyList<Guid>> FailAsync(Guid mediaId, Guid correlationId, MediumEvent @event, Func<MediumLife, Transition> fail,
        CancellationToken cancellationToken) =>
        mediumTransaction.RunAsync(mediaId, correlationId, medium =>
        {
            recorder.Record(medium, fail(new MediumLife(medium)));
            return Task.FromResult<IReadOnlyList<Guid>>([]);
        }, whenErased: Announced(MediumLifecycle.WhenErased(mediaId, @event)), cancellationToken);

    /// <summary>Applies each message to its medium, in arrival order, all media of the batch in one transaction.</summary>
    private async Task<IReadOnlyList<Guid>> RunEachAsync<TMessage>(IReadOnlyList<TMessage> messages, MediumEvent @event, Func<TMessage, Guid> mediaId,
        Func<TMessage, Guid> correlationId, Func<MediumLife, TMessage, DateTimeOffset, Transition> apply, CancellationToken cancellationToken)
    {
        var byMedium = messages.ToLookup(mediaId);
        return await RunAsync(messages.Select(m => (mediaId(m), correlationId(m))), @event, [], async (life, batch) =>
        {
            foreach (var message in byMedium[life.Medium.Id])
            {
                await ApplyAsync(life, apply(life, message, clock.GetUtcNow()), batch, cancellationToken);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Locks the media, loads what the lifecycle needs of them in a few round trips for the whole batch — their running
    /// maxima (tracked, so changes are saved; late frames of concluded media still raise them), the stored keys of the
    /// frames at hand, the models that scored the open media, their hash-bank matches, the scored samples of open media
    /// that may be moving (their verdict looks at time) — and runs <paramref name="work"/> on each.
    /// </summary>
    private async Task<IReadOnlyList<Guid>> RunAsync(IEnumerable<(Guid MediaId, Guid CorrelationId)> media, MediumEvent @event, List<int> frameIndices,
        Func<MediumLife, BatchPolicies, Task> work, CancellationToken cancellationToken)
    {
        var erased = await mediumTransaction.RunManyAsync(media, async locked =>
        {
            var all = locked.Select(m => m.Id).ToList();
            var open = locked.Where(m => !m.IsConcluded).Select(m => m.Id).ToList();
            var maxima = (await db.ClassMaxima.Where(c => all.Contains(c.MediaId)).ToListAsync(cancellationToken)).ToLookup(c => c.MediaId);
            var stored = await StoredFramesAsync(all, frameIndices, cancellationToken);
            var models = (await db.FrameScores.Where(f => open.Contains(f.MediaId))
                .GroupBy(f => new { f.MediaId, f.ModelName, f.ModelVersion, f.ModelConfiguration, Escalated = f.ScoreRule == ScoreRules.Escalated })
                .Select(g => new { g.Key.MediaId, g.Key.ModelName, g.Key.ModelVersion, g.Key.ModelConfiguration, g.Key.Escalated, Frames = g.Count() })
                .ToListAsync(cancellationToken)).ToLookup(m => m.MediaId);
            var matches = (await db.MediumMatches.AsNoTracking().Where(m => open.Contains(m.MediaId)).ToListAsync(cancellationToken)).ToLookup(m => m.MediaId);
            var moving = locked.Where(m => !m.IsConcluded && m.Kind != MediaKind.Still).Select(m => m.Id).ToList();
            var samples = moving.Count == 0 ? [] : await db.FrameScores.AsNoTracking().Where(f => moving.Contains(f.MediaId))
                .Select(f => new { f.MediaId, Sample = new FrameSample(f.FrameIndex, f.TimestampSeconds, f.Scores) }).ToListAsync(cancellationToken);
            var frames = samples.ToLookup(f => f.MediaId, f => f.Sample);
            var batch = new BatchPolicies(policies);
            foreach (var medium in locked)
            {
                var scored = models[medium.Id].ToList();
                await work(new MediumLife(medium, maxima[medium.Id], stored[medium.Id], scored.Select(m => (m.ModelName, m.ModelVersion)),
                    scored.Select(m => m.ModelConfiguration).OfType<string>(), scored.Where(m => m.Escalated).Sum(m => m.Frames),
                    matches[medium.Id], frames[medium.Id]), batch);
            }
        }, cancellationToken);
        return Announced([.. erased.Select(id => MediumLifecycle.WhenErased(id, @event))]);
    }

    /// <summary>The stored (frame, model version) keys of the media among the frame indices at hand; none when there are none.</summary>
    private async Task<ILookup<Guid, (int FrameIndex, string ModelVersion)>> StoredFramesAsync(List<Guid> media, List<int> frameIndices,
        CancellationToken cancellationToken)
    {
        var keys = frameIndices.Count == 0 ? [] : await db.FrameScores.Where(f => media.Contains(f.MediaId) && frameIndices.Contains(f.FrameIndex))
            .Select(f => new StoredFrame(f.MediaId, f.FrameIndex, f.ModelVersion)).ToListAsync(cancellationToken);
        return keys.ToLookup(f => f.MediaId, f => (f.FrameIndex, f.ModelVersion));
    }

    private async Task ApplyAsync(MediumLife life, Transition transition, BatchPolicies batch, CancellationToken cancellationToken)
    {
        recorder.Record(life.Medium, transition);
        if (transition.JudgementDue)
        {
            var policy = await batch.PolicyAsync(life.Medium.PolicyName, cancellationToken);
            recorder.Record(life.Medium, lifecycle.Judge(life, policy, clock.GetUtcNow()));
        }
    }

    private static IReadOnlyList<Guid> Announced(params IEnumerable<Transition> transitions) =>
        [.. transitions.SelectMany(t => t.Effects).OfType<ErasureAnnounced>().Select(e => e.MediaId)];

    private sealed record StoredFrame(Guid MediaId, int FrameIndex, string ModelVersion);

    /// <summary>The policies in force while one batch runs, each read once.</summary>
    private sealed class BatchPolicies(PolicyStore policies)
    {
        private readonly Dictionary<string, PolicyVersion> inForce = new(StringComparer.Ordinal);

        public async Task<PolicyVersion> PolicyAsync(string? name, CancellationToken cancellationToken)
        {
            var key = name ?? "";
            if (!inForce.TryGetValue(key, out var policy))
            {
                inForce[key] = policy = await policies.CurrentAsync(name, cancellationToken);
            }

            return policy;
        }
    }
}
