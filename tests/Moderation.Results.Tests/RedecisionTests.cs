using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Policies;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// A backfill's re-decision (<see cref="MediumLifecycle.Redecide"/>) judges re-scored frames exactly as a live verdict
/// judges scored ones, without a database: corroboration and flagged segments for a video, smoothing, known content
/// first. The persistence around it (one revision per medium and backfill, the callback) is proven end to end by
/// ModelRegistryTests.
/// </summary>
public sealed class RedecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly MediumLifecycle machine = new(auditSampleRate: 0);

    [Fact]
    public void A_rescored_video_with_one_frame_over_the_block_threshold_goes_to_review_with_its_segment()
    {
        var medium = Video(4, Decision.Allow);

        var revision = Redecide(medium, Policy(), Porn(medium.Id, 0.1f, 0.2f, 0.95f, 0.3f));

        Assert.Equal((Decision.Review, "Porn", 2), (revision.Decision, revision.TriggerClass, revision.TriggerFrameIndex));
        Assert.Equal(
            [new FlaggedSegment("Porn", Decision.Review, 10, 15, 0.95f, 2, 1, false), new FlaggedSegment("Porn", Decision.Block, 10, 15, 0.95f, 2, 1, false)],
            revision.Segments);
        Assert.Equal(new ClassMaximum("Porn", 0.95f, 2, 10), Assert.Single(revision.Maxima, m => m.Class == "Porn"));
        Assert.Equal((4, "nsfw", "head-2", "default", 3, Now), (revision.FramesScored, revision.ModelName, revision.ModelVersion, revision.PolicyName,
            revision.PolicyVersion, revision.DecidedAt));
    }

    [Fact]
    public void A_rescored_video_held_over_the_block_threshold_blocks_with_a_corroborated_segment()
    {
        var medium = Video(6, Decision.Allow);

        var revision = Redecide(medium, Policy(), Porn(medium.Id, 0.1f, 0.95f, 0.97f, 0.96f, 0.2f, 0.1f));

        Assert.Equal((Decision.Block, "Porn", 2), (revision.Decision, revision.TriggerClass, revision.TriggerFrameIndex));
        Assert.Equal(new FlaggedSegment("Porn", Decision.Block, 5, 20, 0.97f, 2, 3, true), Assert.Single(revision.Segments, s => s.Threshold == Decision.Block));
    }

    [Fact]
    public void Smoothing_averages_a_rescored_spike_away()
    {
        var medium = Video(5, Decision.Block);

        var revision = Redecide(medium, Policy(corroborationFrames: 1, smoothingWindow: 3), Porn(medium.Id, 0.1f, 0.1f, 0.95f, 0.1f, 0.1f));

        Assert.Equal(Decision.Allow, revision.Decision);
        Assert.Empty(revision.Segments);
    }

    [Fact]
    public void A_rescored_still_is_judged_by_its_maxima_without_segments()
    {
        var medium = Video(1, Decision.Allow);
        medium.Kind = MediaKind.Still;

        var revision = Redecide(medium, Policy(), Porn(medium.Id, 0.95f));

        Assert.Equal((Decision.Block, "Porn", 0), (revision.Decision, revision.TriggerClass, revision.TriggerFrameIndex));
        Assert.Empty(revision.Segments);
    }

    [Fact]
    public void Known_content_decides_a_rescored_medium_as_it_decided_the_live_one()
    {
        var medium = Video(3, Decision.Block);
        var blocked = Match(medium.Id, 1, BankAction.Block);

        var revision = MediumLifecycle.Redecide(medium, Policy(), [blocked], Porn(medium.Id, 0.1f, 0.1f, 0.1f), "nsfw", "head-2", Now);

        Assert.Equal(Decision.Block, revision.Decision);
        Assert.Equal([blocked.ToContract()], revision.Matches);

        var reviewed = MediumLifecycle.Redecide(medium, Policy(), [Match(medium.Id, 2, BankAction.Review)], Porn(medium.Id, 0.1f, 0.1f, 0.1f), "nsfw", "head-2", Now);
        Assert.Equal(Decision.Review, reviewed.Decision);
    }

    /// <summary>The same scores, live and re-scored, get the same decision, trigger, maxima and segments.</summary>
    [Theory]
    [InlineData(1, 0, 0.1f, 0.2f, 0.95f, 0.3f, 0.1f, 0.1f)]
    [InlineData(1, 0, 0.1f, 0.95f, 0.97f, 0.92f, 0.6f, 0.1f)]
    [InlineData(1, 25, 0.95f, 0.1f, 0.1f, 0.1f, 0.1f, 0.96f)]
    [InlineData(1, 0, 0.1f, 0.1f, 0.6f, 0.55f, 0.1f, 0.1f)]
    [InlineData(3, 0, 0.1f, 0.9f, 0.95f, 0.9f, 0.1f, 0.1f)]
    [InlineData(3, 0, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f)]
    public void A_redecision_agrees_with_the_live_verdict_on_the_same_scores(int smoothingWindow, double corroborationSeconds, params float[] porn)
    {
        var policy = Policy(earlyExit: false, smoothingWindow: smoothingWindow, corroborationSeconds: corroborationSeconds);
        var id = Guid.NewGuid();
        var life = new MediumLife(new Medium { Id = id, CorrelationId = id, State = MediaStates.Pending, FirstSeenAt = Now, UpdatedAt = Now });
        Settle(life, machine.Submit(life, Messages.Submitted(id), Now), policy);
        Settle(life, machine.Plan(life, Messages.Planned(id, porn.Length), Now), policy);
        Settle(life, machine.CompleteExtraction(life, Messages.Completed(id, porn.Length), Now), policy);
        var frames = porn.Select((score, i) => Messages.Frame(id, i, ("Porn", score))).ToArray();
        var live = Assert.Single(Settle(life, machine.Classify(life, frames, Now), policy).OfType<Decided>()).Verdict;

        var revision = MediumLifecycle.Redecide(life.Medium, policy, [], frames.Select(f => new FrameSample(f.FrameIndex, f.TimestampSeconds, f.Scores)),
            "nsfw", "head-2", Now);

        Assert.Equal((live.Decision, live.TriggerClass, live.TriggerFrameIndex), (revision.Decision, revision.TriggerClass, revision.TriggerFrameIndex));
        Assert.Equal(live.Maxima, revision.Maxima);
        Assert.Equal(live.Segments, revision.Segments);
    }

    [Fact]
    public void A_redecision_is_told_like_a_verdict()
    {
        var medium = Video(4, Decision.Allow);
        medium.ExternalId = "File:Clip.webm";
        var revision = Redecide(medium, Policy(), Porn(medium.Id, 0.95f, 0.96f, 0.1f, 0.1f));

        var told = MediumLifecycle.Announcement(medium, revision);

        Assert.Equal((medium.Id, "File:Clip.webm", Decision.Block, false, false), (told.MediaId, told.ExternalId, told.Decision, told.DecidedEarly, told.ByReviewer));
        Assert.Equal((revision.ModelName, revision.ModelVersion, revision.PolicyName, revision.PolicyVersion, revision.FramesScored),
            (told.ModelName, told.ModelVersion, told.Policy, told.PolicyVersion, told.FramesScored));
        Assert.Equal(revision.Segments, told.Segments);
        Assert.NotEmpty(told.Segments);
        Assert.Equal(revision.Maxima, told.Maxima);
    }

    private static VerdictRevision Redecide(Medium medium, PolicyVersion policy, IEnumerable<FrameSample> frames) =>
        MediumLifecycle.Redecide(medium, policy, [], frames, "nsfw", "head-2", Now);

    /// <summary>A concluded video of <paramref name="frames"/> samples five seconds apart.</summary>
    private static Medium Video(int frames, Decision decision)
    {
        var id = Guid.NewGuid();
        return new Medium
        {
            Id = id,
            CorrelationId = id,
            State = MediaStates.Completed,
            Kind = MediaKind.Video,
            PlannedFrames = frames,
            ExpectedFrames = frames,
            FramesScored = frames,
            SampleIntervalSeconds = 5,
            DurationSeconds = frames * 5,
            Decision = decision,
            FirstSeenAt = Now,
            UpdatedAt = Now,
        };
    }

    private static List<FrameSample> Porn(Guid id, params float[] scores) =>
        [.. scores.Select((score, i) => Messages.Frame(id, i, ("Porn", score))).Select(f => new FrameSample(f.FrameIndex, f.TimestampSeconds, f.Scores))];

    private static MediumMatch Match(Guid id, int frameIndex, BankAction action) => new()
    {
        MediaId = id,
        FrameIndex = frameIndex,
        BankId = Guid.NewGuid(),
        BankName = "known",
        Action = action,
        Distance = 4,
        TimestampSeconds = frameIndex * 5.0,
    };

    private static PolicyVersion Policy(bool earlyExit = true, int corroborationFrames = 2, double corroborationSeconds = 2, int smoothingWindow = 1) => new()
    {
        CorroborationFrames = corroborationFrames,
        CorroborationSeconds = corroborationSeconds,
        SmoothingWindow = smoothingWindow,
        Name = "default",
        Version = 3,
        BlockThresholds = new() { ["Porn"] = 0.9f, ["Hentai"] = 0.9f },
        ReviewThresholds = new() { ["Porn"] = 0.5f, ["Hentai"] = 0.5f, ["Sexy"] = 0.5f },
        EarlyExit = earlyExit,
    };

    private List<LifecycleEffect> Settle(MediumLife life, Transition transition, PolicyVersion policy)
    {
        List<LifecycleEffect> effects = [.. transition.Effects];
        if (transition.JudgementDue)
        {
            effects.AddRange(machine.Judge(life, policy, Now).Effects);
        }

        return effects;
    }
}
