using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// What hash-bank matches and near duplicates do to a medium's lifecycle, without a database: which decide at once,
/// which only shape the model's verdict, and what the extractor is told for each frame.
/// </summary>
public sealed class KnownContentLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly MediumLifecycle machine = new(auditSampleRate: 0);

    [Fact]
    public void A_block_match_decides_a_video_at_once_and_stops_the_extractor()
    {
        var (id, life) = Registered();
        Classify(life, Messages.Frame(id, 0, ("Porn", 0.1f)));

        var effects = Hash(life, MediaKind.Video, 3, 3.0, Match(id, 3, BankAction.Block, 12));

        var decided = Assert.Single(effects.OfType<Decided>());
        Assert.Equal((Decision.Block, true), (decided.Verdict.Decision, decided.Verdict.DecidedEarly));
        Assert.Equal([new BankMatch("known", 12, 3, 3.0)], decided.Verdict.Matches);
        Assert.Equal(decided.Verdict.Matches, decided.Announcement.Matches);
        Assert.Null(decided.EarlyExit);
        Assert.Equal((FrameHashOutcome.Decided, (Decision?)Decision.Block), Outcome(life, 3));
        Assert.Equal(FrameHashOutcome.Decided, MediumLifecycle.Outcome(life, 4).Outcome);
    }

    [Fact]
    public void A_match_before_the_submission_decides_the_medium_once_it_is_registered()
    {
        var (id, life) = NewMedium();

        Assert.Empty(Hash(life, MediaKind.Still, 0, 0, Match(id, 0, BankAction.Block, 0)).OfType<Decided>());
        Assert.Equal(FrameHashOutcome.Decided, MediumLifecycle.Outcome(life, 0).Outcome);

        var decided = Assert.Single(Settle(life, machine.Submit(life, Messages.Submitted(id), Now)).OfType<Decided>());
        Assert.Equal(Decision.Block, decided.Verdict.Decision);
    }

    [Theory]
    [InlineData(BankAction.Allow, Decision.Allow)]
    [InlineData(BankAction.Review, Decision.Review)]
    public void Any_match_decides_a_still_without_inference(BankAction action, Decision expected)
    {
        var (id, life) = Registered();

        var decided = Assert.Single(Hash(life, MediaKind.Still, 0, 0, Match(id, 0, action, 20)).OfType<Decided>());

        Assert.Equal((expected, 0), (decided.Verdict.Decision, decided.Verdict.FramesScored));
        Assert.Equal(expected == Decision.Review ? ReviewReasons.Bank : null, decided.Review?.Reason);
        Assert.Equal(FrameHashOutcome.Decided, MediumLifecycle.Outcome(life, 0).Outcome);
    }

    [Fact]
    public void Block_wins_over_allow_on_a_still()
    {
        var (id, life) = Registered();

        var decided = Assert.Single(Hash(life, MediaKind.Still, 0, 0, Match(id, 0, BankAction.Allow, 3), Match(id, 0, BankAction.Block, 30)).OfType<Decided>());

        Assert.Equal(Decision.Block, decided.Verdict.Decision);
        Assert.Equal(2, decided.Verdict.Matches.Count);
    }

    [Fact]
    public void A_video_frame_an_allow_bank_cleared_is_skipped_and_a_medium_of_only_such_frames_is_allowed()
    {
        var (id, life) = Registered();

        Assert.IsType<HashStored>(Assert.Single(Hash(life, MediaKind.Video, 0, 0, Match(id, 0, BankAction.Allow, 4))));
        Assert.Equal(FrameHashOutcome.Skip, MediumLifecycle.Outcome(life, 0).Outcome);
        Assert.Equal(FrameHashOutcome.Classify, MediumLifecycle.Outcome(life, 1).Outcome);

        var decided = Assert.Single(Settle(life, machine.CompleteExtraction(life, Messages.Completed(id, 0), Now)).OfType<Decided>());
        Assert.Equal(Decision.Allow, decided.Verdict.Decision);
        Assert.Equal(MediaStates.Completed, life.Medium.State);
    }

    [Fact]
    public void A_review_match_on_a_video_frame_sends_a_medium_the_model_allows_to_review()
    {
        var (id, life) = Registered();
        Hash(life, MediaKind.Video, 1, 1.0, Match(id, 1, BankAction.Review, 9));
        Settle(life, machine.CompleteExtraction(life, Messages.Completed(id, 2), Now));

        var decided = Assert.Single(Classify(life, Messages.Frame(id, 0, ("Porn", 0.05f)), Messages.Frame(id, 1, ("Porn", 0.05f))).OfType<Decided>());

        Assert.Equal((Decision.Review, ReviewReasons.Bank), (decided.Verdict.Decision, decided.Review?.Reason));
    }

    [Fact]
    public void A_near_duplicate_still_reuses_the_decision_and_names_the_medium_it_came_from()
    {
        var (_, life) = Registered();
        var source = Guid.NewGuid();

        var decided = Assert.Single(Settle(life, machine.Hash(life, Row(life.Medium.Id, 0, 0), [], MediaKind.Still, (source, Decision.Block), Now))
            .OfType<Decided>());

        Assert.Equal((Decision.Block, source, 0), (decided.Verdict.Decision, decided.Verdict.ReusedFromMediaId, decided.Verdict.FramesScored));
        Assert.Equal(source, decided.Announcement.ReusedFromMediaId);
    }

    [Fact]
    public void A_hash_without_matches_leaves_the_frame_to_the_model()
    {
        var (id, life) = Registered();

        Assert.IsType<HashStored>(Assert.Single(Hash(life, MediaKind.Still, 0, 0)));

        Assert.Equal(FrameHashOutcome.Classify, MediumLifecycle.Outcome(life, 0).Outcome);
        Assert.Equal(MediaStates.Processing, life.Medium.State);
    }

    [Fact]
    public void A_reviewer_s_override_of_a_matched_medium_is_announced_with_its_matches()
    {
        var (id, life) = Registered();
        var decided = Assert.Single(Hash(life, MediaKind.Still, 0, 0, Match(id, 0, BankAction.Review, 20)).OfType<Decided>());

        var overridden = Assert.IsType<DecisionAnnounced>(Assert.Single(MediumLifecycle.Review(life.Medium, decided.Verdict, Decision.Block, Now).Effects));

        Assert.Equal((Decision.Block, true), (overridden.Announcement.Decision, overridden.Announcement.ByReviewer));
        Assert.Equal(decided.Verdict.Matches, overridden.Announcement.Matches);
        Assert.NotEmpty(overridden.Announcement.Matches);
    }

    private static (Guid Id, MediumLife Life) NewMedium()
    {
        var id = Guid.NewGuid();
        return (id, new MediumLife(new Medium { Id = id, CorrelationId = id, State = MediaStates.Pending, FirstSeenAt = Now, UpdatedAt = Now }));
    }

    private (Guid Id, MediumLife Life) Registered()
    {
        var (id, life) = NewMedium();
        Settle(life, machine.Submit(life, Messages.Submitted(id), Now));
        return (id, life);
    }

    private static MediumMatch Match(Guid id, int frame, BankAction action, int distance) => new()
    {
        MediaId = id, FrameIndex = frame, BankId = Guid.NewGuid(), BankName = action == BankAction.Block ? "known" : action.ToString().ToLowerInvariant(),
        Action = action, Distance = distance, TimestampSeconds = frame,
    };

    private static MediumHash Row(Guid id, int frame, double timestamp) =>
        new() { MediaId = id, FrameIndex = frame, TimestampSeconds = timestamp, Pdq = new string('a', 64), Quality = 90, HashedAt = Now };

    private static (FrameHashOutcome, Decision?) Outcome(MediumLife life, int frame) =>
        MediumLifecycle.Outcome(life, frame) is var answer ? (answer.Outcome, answer.Decision) : default;

    private List<LifecycleEffect> Hash(MediumLife life, MediaKind kind, int frame, double timestamp, params MediumMatch[] matches) =>
        Settle(life, machine.Hash(life, Row(life.Medium.Id, frame, timestamp), matches, kind, null, Now));

    private List<LifecycleEffect> Classify(MediumLife life, params FrameClassified[] frames) => Settle(life, machine.Classify(life, frames, Now));

    private List<LifecycleEffect> Settle(MediumLife life, Transition transition)
    {
        List<LifecycleEffect> effects = [.. transition.Effects];
        if (transition.JudgementDue)
        {
            effects.AddRange(machine.Judge(life, Policy, Now).Effects);
        }

        return effects;
    }

    private static readonly PolicyVersion Policy = new()
    {
        Name = "default",
        Version = 3,
        BlockThresholds = new() { ["Porn"] = 0.9f },
        ReviewThresholds = new() { ["Porn"] = 0.5f },
        EarlyExit = true,
    };
}
