using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Lifecycle;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Every transition of a medium's lifecycle, without a database: the state a transaction would load, the event, and
/// the state and effects it would persist (the same state object carries over, as the next transaction would read it
/// back). The tests against PostgreSQL and RabbitMQ (<see cref="AggregationTests"/>, <see cref="ErasureTests"/>)
/// prove the persistence around it.
/// </summary>
public sealed class LifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly MediumLifecycle machine = new(auditSampleRate: 0);

    // MediaSubmitted

    [Fact]
    public void Submission_registers_the_medium_which_then_waits_for_frames()
    {
        var (id, life) = NewMedium();
        var submitted = Messages.Submitted(id, callbackUrl: "https://example.org/hook", policy: "strict") with { Sha256 = new string('A', 64) };

        var effects = Submit(life, submitted);

        Assert.Empty(effects);
        var medium = life.Medium;
        Assert.True(medium.IsRegistered);
        Assert.Equal((MediaStates.Pending, new string('a', 64), "https://example.org/hook", "strict", Messages.ClientId, submitted.SubmittedAt),
            (medium.State, medium.Sha256, medium.CallbackUrl, medium.PolicyName, medium.ClientId, medium.SubmittedAt));
    }

    [Fact]
    public void Blank_callback_and_policy_mean_none_and_the_default()
    {
        var (id, life) = NewMedium();

        Submit(life, Messages.Submitted(id, callbackUrl: " ", policy: ""));

        Assert.Null(life.Medium.CallbackUrl);
        Assert.Null(life.Medium.PolicyName);
    }

    [Fact]
    public void A_redelivered_submission_changes_nothing()
    {
        var (id, life) = NewMedium();
        Submit(life, Messages.Submitted(id, callbackUrl: "https://example.org/hook"));

        var effects = Submit(life, Messages.Submitted(id, callbackUrl: "https://example.org/other", policy: "strict", sha256: new string('b', 64)));

        Assert.IsType<SubmissionRedelivered>(Assert.Single(effects));
        Assert.Equal(("https://example.org/hook", null), (life.Medium.CallbackUrl, life.Medium.PolicyName));
        Assert.NotEqual(new string('b', 64), life.Medium.Sha256);
    }

    [Fact]
    public void Only_a_stored_submission_registers_a_medium_not_the_previous_url_only_format()
    {
        var (id, life) = NewMedium();
        var stored = Messages.Submitted(id, callbackUrl: "https://example.org/hook") with { Sha256 = new string('C', 64) };
        var byUrl = stored with { BlobKey = null, SourceUrl = "https://example.org/a.png", Sha256 = null, ContentType = null, SizeBytes = 0 };

        Assert.False(MediumLifecycle.Registers(byUrl));
        Assert.False(MediumLifecycle.Registers(byUrl with { BlobKey = "" }));
        Assert.True(MediumLifecycle.Registers(stored));
        Assert.True(MediumLifecycle.Registers(stored with { SourceUrl = "https://example.org/a.png" }));

        Submit(life, stored);
        Assert.Equal((new string('c', 64), "image/png", 1234L, "https://example.org/hook"),
            (life.Medium.Sha256, life.Medium.ContentType, life.Medium.SizeBytes, life.Medium.CallbackUrl));
    }

    [Fact]
    public void A_failure_that_overtook_the_submission_is_called_back_once_the_submission_says_where()
    {
        var (id, life) = NewMedium();
        var failed = new MediaFailed(id, id, FailureReasons.UnsupportedFormat, "not a medium", "frame-extractor", Now);
        Assert.IsType<FailureRecorded>(Assert.Single(machine.Fail(life, failed).Effects));

        var effects = Submit(life, Messages.Submitted(id, callbackUrl: "https://example.org/hook"));

        var callback = Assert.IsType<FailureCallbackDue>(Assert.Single(effects));
        Assert.Equal(new MediaFailure(FailureReasons.UnsupportedFormat, "not a medium", "frame-extractor", Now), callback.Failure);
        Assert.Equal(MediaStates.Failed, life.Medium.State);
        Assert.IsType<SubmissionRedelivered>(Assert.Single(Submit(life, Messages.Submitted(id))));
    }

    [Fact]
    public void A_failure_that_overtook_a_submission_without_callback_needs_nothing_more()
    {
        var (id, life) = NewMedium();
        machine.Fail(life, new MediaFailed(id, id, FailureReasons.BlobMissing, "gone", "frame-extractor", Now));

        Assert.Empty(Submit(life, Messages.Submitted(id)));
        Assert.Equal(MediaStates.Failed, life.Medium.State);
    }

    // FramesPlanned

    [Fact]
    public void A_plan_starts_processing_and_the_verdict_still_waits_for_the_completion()
    {
        var (id, life) = Registered();
        Classify(life, Messages.Frame(id, 0, ("Sexy", 0.1f)));

        var effects = Plan(life, Messages.Planned(id, 1));

        Assert.Empty(effects);
        Assert.Equal((MediaStates.Processing, 1, (int?)null, MediaKind.Video),
            (life.Medium.State, life.Medium.PlannedFrames, life.Medium.ExpectedFrames, life.Medium.Kind));
        Assert.Empty(Plan(life, Messages.Planned(id, 1)));
        Assert.IsType<Decided>(Assert.Single(Complete(life, Messages.Completed(id, 1))));
    }

    [Fact]
    public void A_stills_plan_that_is_the_outcome_decides_once_its_frame_is_scored_in_either_order()
    {
        var (id, life) = Registered();
        Assert.Empty(Plan(life, Still(id)));
        Assert.Equal(1, life.Medium.ExpectedFrames);
        Assert.Equal(Decision.Allow, VerdictOf(Classify(life, Messages.Frame(id, 0, ("Sexy", 0.1f)))).Verdict.Decision);

        var (other, frameFirst) = Registered();
        Classify(frameFirst, Messages.Frame(other, 0, ("Sexy", 0.1f)));
        Assert.Equal(1, VerdictOf(Plan(frameFirst, Still(other))).Verdict.FramesScored);
        Assert.Empty(Plan(frameFirst, Still(other)));
    }

    [Fact]
    public void A_plan_whose_outcome_is_no_frame_fails_with_no_frames()
    {
        var (id, life) = Registered();

        var effects = Plan(life, Still(id) with { PlannedFrames = 0 });

        Assert.Equal(FailureReasons.NoFrames, Assert.IsType<FailureRecorded>(Assert.Single(effects)).Failure.Reason);
        Assert.Equal(MediaStates.Failed, life.Medium.State);
    }

    [Fact]
    public void A_plan_after_the_verdict_changes_the_counts_but_decides_nothing()
    {
        var (id, life) = DecidedMedium();

        Assert.Empty(Plan(life, Messages.Planned(id, 9)));
        Assert.Equal((MediaStates.Completed, 9), (life.Medium.State, life.Medium.PlannedFrames));
    }

    // FrameClassified

    [Fact]
    public void A_frame_is_stored_and_raises_the_maxima()
    {
        var (id, life) = Registered();

        var effects = Classify(life, Messages.Frame(id, 0, ("Sexy", 0.3f)));

        var stored = Assert.Single(effects.OfType<FrameStored>()).Row;
        Assert.Equal((id, 0, "1.0.0", Now), (stored.MediaId, stored.FrameIndex, stored.ModelVersion, stored.ReceivedAt));
        Assert.Equal(Messages.Classes.Order(), effects.OfType<MaximumOpened>().Select(m => m.Row.ClassName).Order());
        Assert.Equal((0.3f, 0, 1), (life.Maxima["Sexy"].Score, life.Maxima["Sexy"].FrameIndex, life.Medium.FramesScored));
        Assert.Equal(MediaStates.Processing, life.Medium.State);
    }

    [Fact]
    public void A_redelivered_frame_changes_nothing_in_a_later_batch_or_the_same_one()
    {
        var (id, life) = Registered();
        Classify(life, Messages.Frame(id, 0, ("Sexy", 0.3f)));

        var later = Classify(life, Messages.Frame(id, 0, ("Sexy", 0.8f)));
        var same = Classify(life, Messages.Frame(id, 1, ("Sexy", 0.2f)), Messages.Frame(id, 1, ("Sexy", 0.9f)));

        Assert.Equal(new FrameRedelivered(0, "1.0.0"), Assert.Single(later));
        Assert.Equal(new FrameRedelivered(1, "1.0.0"), Assert.Single(same.OfType<FrameRedelivered>()));
        Assert.Equal((0.3f, 0, 2), (life.Maxima["Sexy"].Score, life.Maxima["Sexy"].FrameIndex, life.Medium.FramesScored));
    }

    [Fact]
    public void A_second_model_version_of_a_frame_is_stored_but_the_frame_counts_once()
    {
        var (id, life) = Registered();
        Classify(life, Messages.Frame(id, 0, ("Sexy", 0.3f)));

        var effects = Classify(life, Messages.Frame(id, 0, null, "2.0.0", ("Sexy", 0.4f)));

        Assert.Single(effects.OfType<FrameStored>());
        Assert.Equal((1, "2.0.0"), (life.Medium.FramesScored, life.Maxima["Sexy"].ModelVersion));
    }

    [Fact]
    public void Maxima_do_not_depend_on_arrival_order_and_ties_go_to_the_lower_frame()
    {
        var frames = new[] { (2, 0.5f), (0, 0.2f), (3, 0.5f), (1, 0.4f) };
        var (id, forward) = Registered();
        var (other, backward) = Registered();

        foreach (var (index, score) in frames)
        {
            Classify(forward, Messages.Frame(id, index, ("Sexy", score)));
        }

        Classify(backward, [.. frames.Reverse().Select(f => Messages.Frame(other, f.Item1, ("Sexy", f.Item2)))]);

        Assert.Equal((0.5f, 2, 10.0), (forward.Maxima["Sexy"].Score, forward.Maxima["Sexy"].FrameIndex, forward.Maxima["Sexy"].TimestampSeconds));
        Assert.Equal((0.5f, 2), (backward.Maxima["Sexy"].Score, backward.Maxima["Sexy"].FrameIndex));
    }

    [Fact]
    public void Scores_that_are_not_probabilities_are_clamped_and_bad_class_names_dropped()
    {
        var (id, life) = Registered();
        var scores = new Dictionary<string, float> { ["Porn"] = float.NaN, ["Sexy"] = 7f, ["Hentai"] = -1f, [" "] = 0.5f, [new string('x', 65)] = 0.5f };

        var stored = Assert.Single(Classify(life, Messages.Frame(id, 0) with { Scores = scores }).OfType<FrameStored>()).Row;

        Assert.Equal(new Dictionary<string, float> { ["Porn"] = 0f, ["Sexy"] = 1f, ["Hentai"] = 0f }, stored.Scores);
        Assert.Equal(["Hentai", "Porn", "Sexy"], life.Maxima.Keys.Order());
    }

    [Fact]
    public void Frames_before_the_submission_and_the_completion_are_kept_and_decide_once_both_arrived()
    {
        var (id, life) = NewMedium();
        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 1, ("Sexy", 0.6f)), Messages.Frame(id, 0, ("Sexy", 0.1f))), e => e is Decided);
        Assert.Empty(Complete(life, Messages.Completed(id, 2)));
        Assert.Equal(MediaStates.Processing, life.Medium.State);

        var verdict = VerdictOf(Submit(life, Messages.Submitted(id))).Verdict;

        Assert.Equal((Decision.Review, "Sexy", 1, 2, false),
            (verdict.Decision, verdict.TriggerClass, verdict.TriggerFrameIndex, verdict.FramesScored, verdict.DecidedEarly));
    }

    [Fact]
    public void A_completion_before_the_last_frame_waits_for_it()
    {
        var (id, life) = Registered();
        Classify(life, Messages.Frame(id, 0, ("Sexy", 0.1f)));

        Assert.Empty(Complete(life, Messages.Completed(id, 3)));
        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 2, ("Sexy", 0.2f))), e => e is Decided);

        var decided = VerdictOf(Classify(life, Messages.Frame(id, 1, ("Sexy", 0.3f))));

        Assert.Equal((Decision.Allow, 3, MediaStates.Completed), (decided.Verdict.Decision, decided.Verdict.FramesScored, life.Medium.State));
        Assert.Null(decided.EarlyExit);
        Assert.Null(decided.Review);
    }

    [Fact]
    public void A_stills_one_frame_over_a_block_threshold_blocks()
    {
        var (id, life) = Registered();
        Plan(life, Still(id));

        var decided = VerdictOf(Classify(life, Messages.Frame(id, 0, ("Porn", 0.95f))));

        Assert.Equal((Decision.Block, "Porn", 0), (decided.Verdict.Decision, decided.Verdict.TriggerClass, decided.Verdict.TriggerFrameIndex));
        Assert.Empty(decided.Verdict.Segments);
    }

    [Fact]
    public void Corroborated_frames_of_a_video_over_a_block_threshold_decide_early_and_stop_the_extractor()
    {
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 10));

        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 4, ("Porn", 0.95f))), e => e is Decided);
        var decided = VerdictOf(Classify(life, Messages.Frame(id, 5, ("Porn", 0.97f))));

        Assert.Equal((Decision.Block, true, "Porn", 5),
            (decided.Verdict.Decision, decided.Verdict.DecidedEarly, decided.Verdict.TriggerClass, decided.Verdict.TriggerFrameIndex));
        Assert.Equal(new MediaDecided(id, id, Decision.Block, "Porn", 0.97f, 5), decided.EarlyExit);
        Assert.Equal((Decision.Block, true, false), (decided.Announcement.Decision, decided.Announcement.DecidedEarly, decided.Announcement.ByReviewer));
        Assert.Equal((Decision.Block, Now), (life.Medium.Decision, life.Medium.DecidedAt));
        var block = Assert.Single(decided.Verdict.Segments, s => s.Threshold == Decision.Block);
        Assert.Equal(new FlaggedSegment("Porn", Decision.Block, 20, 30, 0.97f, 5, 2, true), block);
        Assert.Equal(decided.Verdict.Segments, decided.Announcement.Segments);
    }

    [Fact]
    public void A_single_frame_spike_in_a_video_goes_to_review_with_its_timestamps_and_no_early_exit()
    {
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 4));

        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 2, ("Porn", 0.95f))), e => e is Decided);
        Classify(life, Messages.Frame(id, 0, ("Porn", 0.1f)), Messages.Frame(id, 1, ("Porn", 0.2f)));
        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 3, ("Porn", 0.3f))), e => e is Decided);
        var decided = VerdictOf(Complete(life, Messages.Completed(id, 4)));

        Assert.Equal((Decision.Review, false, "Porn", 2, ReviewReasons.Policy),
            (decided.Verdict.Decision, decided.Verdict.DecidedEarly, decided.Verdict.TriggerClass, decided.Verdict.TriggerFrameIndex, decided.Review!.Reason));
        Assert.Null(decided.EarlyExit);
        Assert.Equal(
            [new FlaggedSegment("Porn", Decision.Review, 10, 15, 0.95f, 2, 1, false), new FlaggedSegment("Porn", Decision.Block, 10, 15, 0.95f, 2, 1, false)],
            decided.Verdict.Segments);
    }

    [Fact]
    public void A_run_spanning_the_corroboration_seconds_blocks_with_fewer_frames_but_scattered_frames_do_not()
    {
        var policy = Policy(corroborationFrames: 3, corroborationSeconds: 5);
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 10));
        Complete(life, Messages.Completed(id, 10), policy);

        var frames = Enumerable.Range(0, 10).Select(i => Messages.Frame(id, i, ("Porn", i is 3 or 4 ? 0.95f : 0.1f))).ToArray();
        Assert.Equal(Decision.Block, VerdictOf(Classify(life, frames, policy)).Verdict.Decision);

        var (other, scattered) = Registered();
        Plan(scattered, Messages.Planned(other, 10));
        Complete(scattered, Messages.Completed(other, 10), policy);
        var apart = Enumerable.Range(0, 10).Select(i => Messages.Frame(other, i, ("Porn", i is 1 or 8 ? 0.95f : 0.1f))).ToArray();
        var verdict = VerdictOf(Classify(scattered, apart, policy)).Verdict;
        Assert.Equal(Decision.Review, verdict.Decision);
        Assert.Equal([5.0, 40.0], verdict.Segments.Where(s => s.Threshold == Decision.Block).Select(s => s.StartSeconds));
    }

    [Fact]
    public void One_corroboration_frame_blocks_a_video_on_a_single_frame_as_before()
    {
        var policy = Policy(corroborationFrames: 1);
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 10));

        var decided = VerdictOf(Classify(life, [Messages.Frame(id, 7, ("Porn", 0.95f))], policy));

        Assert.Equal((Decision.Block, true), (decided.Verdict.Decision, decided.Verdict.DecidedEarly));
    }

    [Fact]
    public void Smoothing_averages_a_lone_spike_away_but_keeps_a_sustained_one()
    {
        var policy = Policy(smoothingWindow: 3);
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 5));
        Complete(life, Messages.Completed(id, 5), policy);
        var spike = Enumerable.Range(0, 5).Select(i => Messages.Frame(id, i, ("Porn", i == 2 ? 0.95f : 0.1f))).ToArray();
        var verdict = VerdictOf(Classify(life, spike, policy)).Verdict;
        Assert.Equal(Decision.Allow, verdict.Decision);
        Assert.Empty(verdict.Segments);
        Assert.Equal(0.95f, verdict.Maxima.Single(m => m.Class == "Porn").Score);

        var (other, sustained) = Registered();
        Plan(sustained, Messages.Planned(other, 5));
        Complete(sustained, Messages.Completed(other, 5), policy);
        var held = Enumerable.Range(0, 5).Select(i => Messages.Frame(other, i, ("Porn", i >= 1 ? 0.95f : 0.1f))).ToArray();
        var blocked = VerdictOf(Classify(sustained, held, policy)).Verdict;
        Assert.Equal(Decision.Block, blocked.Decision);
        Assert.Equal((10.0, 25.0), blocked.Segments.Where(s => s.Threshold == Decision.Block).Select(s => (s.StartSeconds, s.EndSeconds)).Single());
    }

    [Fact]
    public void With_smoothing_an_early_exit_waits_until_each_counted_frames_neighbours_are_scored()
    {
        var policy = Policy(smoothingWindow: 3);
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 10));

        Assert.DoesNotContain(Classify(life, [Messages.Frame(id, 0, ("Porn", 0.95f)), Messages.Frame(id, 1, ("Porn", 0.95f))], policy), e => e is Decided);
        var decided = VerdictOf(Classify(life, [Messages.Frame(id, 2, ("Porn", 0.95f))], policy));

        Assert.Equal((Decision.Block, true), (decided.Verdict.Decision, decided.Verdict.DecidedEarly));
    }

    [Fact]
    public void A_frame_before_the_plan_never_exits_early()
    {
        var (id, life) = Registered();

        Assert.DoesNotContain(Classify(life, Messages.Frame(id, 0, ("Porn", 0.95f)), Messages.Frame(id, 1, ("Porn", 0.95f))), e => e is Decided);
        Assert.Equal(MediaStates.Processing, life.Medium.State);
    }

    [Fact]
    public void Without_early_exit_a_block_waits_for_every_frame()
    {
        var (id, life) = Registered();
        var policy = Policy(earlyExit: false);
        Plan(life, Messages.Planned(id, 3));
        Complete(life, Messages.Completed(id, 3), policy);

        Assert.DoesNotContain(Classify(life, [Messages.Frame(id, 0, ("Porn", 0.95f)), Messages.Frame(id, 1, ("Porn", 0.95f))], policy), e => e is Decided);
        var decided = VerdictOf(Classify(life, [Messages.Frame(id, 2, ("Porn", 0.1f))], policy));

        Assert.Equal((Decision.Block, false), (decided.Verdict.Decision, decided.Verdict.DecidedEarly));
        Assert.Null(decided.EarlyExit);
    }

    [Fact]
    public void Frames_after_the_verdict_are_stored_and_raise_the_maxima_but_decide_nothing_again()
    {
        var (id, life) = DecidedMedium();

        var effects = Classify(life, Messages.Frame(id, 5, ("Porn", 0.99f)));

        Assert.Single(effects.OfType<FrameStored>());
        Assert.DoesNotContain(effects, e => e is Decided or FailureRecorded);
        Assert.Equal((MediaStates.Completed, Decision.Allow, 0.99f), (life.Medium.State, life.Medium.Decision, life.Maxima["Porn"].Score));
    }

    [Fact]
    public void The_verdict_records_models_policy_latency_and_extraction_time()
    {
        var (id, life) = Registered();
        Complete(life, Messages.Completed(id, 2));
        Classify(life, Messages.Frame(id, 0, null, "2.0.0", ("Sexy", 0.1f)));

        var verdict = VerdictOf(Classify(life, Messages.Frame(id, 1, ("Sexy", 0.1f)))).Verdict;

        Assert.Equal(("mobilenet_v2", "1.0.0,2.0.0", "default", 3), (verdict.ModelName, verdict.ModelVersion, verdict.PolicyName, verdict.PolicyVersion));
        Assert.Equal((Now - life.Medium.SubmittedAt, TimeSpan.FromSeconds(1)), (verdict.Latency, verdict.ExtractionElapsed));
        Assert.Equal(Messages.Classes.Order(), verdict.Maxima.Select(m => m.Class));
    }

    [Fact]
    public void A_review_verdict_queues_a_review_task_with_the_trigger_score_as_its_priority()
    {
        var (id, life) = Registered();
        Complete(life, Messages.Completed(id, 1));

        var decided = VerdictOf(Classify(life, Messages.Frame(id, 0, ("Sexy", 0.7f), ("Porn", 0.6f))));

        Assert.Equal((Decision.Review, ReviewReasons.Policy, 0.7f), (decided.Verdict.Decision, decided.Review!.Reason, (float)decided.Review.Priority));
    }

    [Fact]
    public void Allow_and_block_verdicts_in_the_audit_sample_go_to_review_too()
    {
        var sampled = new MediumLifecycle(auditSampleRate: 1);
        var (id, life) = Registered();
        sampled.CompleteExtraction(life, Messages.Completed(id, 1), Now);
        var transition = sampled.Classify(life, [Messages.Frame(id, 0, ("Sexy", 0.2f))], Now);

        var decided = Assert.IsType<Decided>(Assert.Single(sampled.Judge(life, Policy(), Now).Effects));

        Assert.True(transition.JudgementDue);
        Assert.Equal((Decision.Allow, ReviewReasons.Audit, 0.2f), (decided.Verdict.Decision, decided.Review!.Reason, (float)decided.Review.Priority));
    }

    // FrameExtractionCompleted

    [Fact]
    public void A_completion_changing_the_known_count_is_reported_and_the_later_count_wins()
    {
        var (id, life) = Registered();
        Plan(life, Still(id) with { PlannedFrames = 3 });

        var effects = Complete(life, Messages.Completed(id, 2));

        Assert.Equal(new FrameCountRevised(3, 2), Assert.Single(effects));
        Assert.Equal(2, life.Medium.ExpectedFrames);
    }

    [Fact]
    public void Extraction_completed_without_frames_fails_with_no_frames_and_calls_back()
    {
        var (id, life) = NewMedium();
        Submit(life, Messages.Submitted(id, callbackUrl: "https://example.org/hook"));

        var effects = Complete(life, Messages.Completed(id, 0));

        Assert.Equal(FailureReasons.NoFrames, Assert.IsType<FailureRecorded>(effects[0]).Failure.Reason);
        Assert.Equal((FailureReasons.NoFrames, MediumLifecycle.Stage, Now), FailureFacts(Assert.IsType<FailureCallbackDue>(effects[1]).Failure));
        Assert.Empty(Complete(life, Messages.Completed(id, 0)));
    }

    [Fact]
    public void A_completion_before_the_submission_decides_nothing_until_it_arrives()
    {
        var (id, life) = NewMedium();

        Assert.Empty(Complete(life, Messages.Completed(id, 0)));
        Assert.Equal(MediaStates.Pending, life.Medium.State);

        Assert.IsType<FailureRecorded>(Assert.Single(Submit(life, Messages.Submitted(id))));
    }

    [Fact]
    public void A_redelivered_completion_after_the_verdict_changes_nothing()
    {
        var (id, life) = DecidedMedium();

        Assert.Empty(Complete(life, Messages.Completed(id, 1)));
        Assert.Equal(MediaStates.Completed, life.Medium.State);
    }

    // MediaFailed, FrameFailed

    [Fact]
    public void A_failure_ends_an_open_medium_and_calls_back_with_a_bounded_detail()
    {
        var (id, life) = NewMedium();
        Submit(life, Messages.Submitted(id, callbackUrl: "https://example.org/hook"));
        var detail = new string('d', 5000);

        var effects = machine.Fail(life, new MediaFailed(id, id, FailureReasons.Unreadable, detail, "frame-extractor", Now)).Effects;

        Assert.Equal(2, effects.Count);
        Assert.Equal(detail, Assert.IsType<FailureRecorded>(effects[0]).Failure.Detail);
        Assert.Equal(4096, Assert.IsType<FailureCallbackDue>(effects[1]).Failure.Detail.Length);
        Assert.Equal((MediaStates.Failed, FailureReasons.Unreadable, "frame-extractor", Now),
            (life.Medium.State, life.Medium.FailureReason, life.Medium.FailureStage, life.Medium.FailedAt));
    }

    [Fact]
    public void A_failure_after_the_verdict_or_a_second_failure_is_ignored()
    {
        var (id, decided) = DecidedMedium();
        var late = new MediaFailed(id, id, FailureReasons.Internal, "late", "frame-extractor", Now);

        Assert.Equal(new FailureIgnored(new MediaFailure(FailureReasons.Internal, "late", "frame-extractor", Now), MediaStates.Completed),
            Assert.Single(machine.Fail(decided, late).Effects));
        Assert.Equal((MediaStates.Completed, (string?)null), (decided.Medium.State, decided.Medium.FailureReason));

        var (other, failed) = Registered();
        machine.Fail(failed, new MediaFailed(other, other, FailureReasons.BlobMissing, "gone", "frame-extractor", Now));
        var again = machine.FailFrame(failed, new FrameFailed(other, other, 3, FailureReasons.Internal, "boom"), Now.AddSeconds(1)).Effects;

        Assert.IsType<FailureIgnored>(Assert.Single(again));
        Assert.Equal((FailureReasons.BlobMissing, Now), (failed.Medium.FailureReason, failed.Medium.FailedAt));
    }

    [Fact]
    public void A_frame_failure_fails_the_medium_naming_the_classifier_and_the_frame()
    {
        var (id, life) = Registered();

        var effects = machine.FailFrame(life, new FrameFailed(id, id, 7, FailureReasons.Internal, "bad tensor"), Now).Effects;

        var failure = Assert.IsType<FailureRecorded>(Assert.Single(effects)).Failure;
        Assert.Equal(new MediaFailure(FailureReasons.Internal, "Frame 7: bad tensor", MediumLifecycle.ClassifierStage, Now), failure);
    }

    [Fact]
    public void Frames_after_a_failure_are_stored_but_decide_nothing()
    {
        var (id, life) = Registered();
        Complete(life, Messages.Completed(id, 1));
        machine.Fail(life, new MediaFailed(id, id, FailureReasons.Internal, "x", "frame-extractor", Now));

        var effects = Classify(life, Messages.Frame(id, 0, ("Porn", 0.99f)));

        Assert.Single(effects.OfType<FrameStored>());
        Assert.DoesNotContain(effects, e => e is Decided);
        Assert.Equal(MediaStates.Failed, life.Medium.State);
    }

    // The stalled-media sweep

    [Fact]
    public void An_open_medium_without_progress_fails_with_extraction_timeout()
    {
        var (id, life) = Registered();
        Plan(life, Messages.Planned(id, 4));
        Classify(life, Messages.Frame(id, 0, ("Sexy", 0.1f)));
        life.Medium.UpdatedAt = Now.AddHours(-2);

        var failure = Assert.IsType<FailureRecorded>(Assert.Single(machine.Stall(life, Now.AddHours(-1), TimeSpan.FromHours(1), Now).Effects)).Failure;

        Assert.Equal((FailureReasons.ExtractionTimeout, "No progress for 01:00:00: 1 of 4 frames scored.", MediumLifecycle.Stage),
            (failure.Reason, failure.Detail, failure.Stage));
        Assert.Equal(MediaStates.Failed, life.Medium.State);
    }

    [Fact]
    public void A_medium_that_progressed_since_the_sweep_looked_or_is_concluded_is_not_stalled()
    {
        var (_, progressed) = Registered();
        progressed.Medium.UpdatedAt = Now.AddHours(-1);
        var (_, decided) = DecidedMedium();
        decided.Medium.UpdatedAt = Now.AddHours(-2);

        Assert.Empty(machine.Stall(progressed, Now.AddHours(-1), TimeSpan.FromHours(1), Now).Effects);
        Assert.Empty(machine.Stall(decided, Now.AddHours(-1), TimeSpan.FromHours(1), Now).Effects);
        Assert.Equal((MediaStates.Pending, MediaStates.Completed), (progressed.Medium.State, decided.Medium.State));
    }

    // Review decisions

    [Fact]
    public void A_reviewer_overriding_the_decision_puts_theirs_in_force_and_announces_it()
    {
        var (medium, verdict) = Reviewable(Decision.Review);

        var announced = Assert.IsType<DecisionAnnounced>(Assert.Single(MediumLifecycle.Review(medium, verdict, Decision.Block, Now).Effects)).Announcement;

        Assert.Equal((Decision.Block, true, Now), (announced.Decision, announced.ByReviewer, announced.DecidedAt));
        Assert.Equal((Decision.Block, true, Now), (medium.Decision, medium.DecidedByReviewer, medium.DecidedAt));
        Assert.Empty(MediumLifecycle.Review(medium, verdict, Decision.Block, Now.AddMinutes(1)).Effects);
        Assert.Equal(Now, medium.DecidedAt);
    }

    [Fact]
    public void A_reviewer_confirming_the_automatic_decision_takes_it_over_without_an_announcement()
    {
        var (medium, verdict) = Reviewable(Decision.Allow);

        Assert.Empty(MediumLifecycle.Review(medium, verdict, Decision.Allow, Now).Effects);

        Assert.Equal((Decision.Allow, true, Now), (medium.Decision, medium.DecidedByReviewer, medium.DecidedAt));
    }

    [Fact]
    public void An_undone_review_restores_the_earlier_reviewers_decision_else_the_automatic_one()
    {
        var (medium, verdict) = Reviewable(Decision.Review);
        var earlier = new ReviewFeedback { Decision = Decision.Allow, CreatedAt = Now.AddMinutes(-5) };
        MediumLifecycle.Review(medium, verdict, Decision.Allow, earlier.CreatedAt);
        MediumLifecycle.Review(medium, verdict, Decision.Block, Now);

        var toEarlier = Assert.IsType<DecisionRestored>(Assert.Single(MediumLifecycle.UndoReview(medium, verdict, earlier, Now.AddSeconds(5)).Effects));
        Assert.Equal((Decision.Allow, true), (toEarlier.Announcement.Decision, toEarlier.Announcement.ByReviewer));
        Assert.Equal((Decision.Allow, true, earlier.CreatedAt), (medium.Decision, medium.DecidedByReviewer, medium.DecidedAt));

        var toAutomatic = Assert.IsType<DecisionRestored>(Assert.Single(MediumLifecycle.UndoReview(medium, verdict, null, Now.AddSeconds(6)).Effects));
        Assert.Equal((Decision.Review, false), (toAutomatic.Announcement.Decision, toAutomatic.Announcement.ByReviewer));
        Assert.Equal((Decision.Review, false, verdict.DecidedAt), (medium.Decision, medium.DecidedByReviewer, medium.DecidedAt));
    }

    [Fact]
    public void Undoing_a_review_that_kept_the_decision_announces_nothing()
    {
        var (medium, verdict) = Reviewable(Decision.Allow);
        MediumLifecycle.Review(medium, verdict, Decision.Allow, Now);

        Assert.Empty(MediumLifecycle.UndoReview(medium, verdict, null, Now.AddSeconds(5)).Effects);
        Assert.False(medium.DecidedByReviewer);
    }

    // Reuse of a verdict

    [Fact]
    public void A_final_verdict_is_lent_to_a_new_medium_of_identical_content_as_a_completed_copy()
    {
        var (source, verdict) = Reviewable(Decision.Allow);
        var request = Reuse(source);

        var (medium, copy) = MediumLifecycle.LendVerdict(source, verdict, request, Now)!.Value;

        Assert.Equal((request.MediaId, MediaStates.Completed, Decision.Allow, "client-2", "File:copy", Now),
            (medium.Id, medium.State, medium.Decision, medium.ClientId, medium.ExternalId, medium.DecidedAt));
        Assert.Equal((request.MediaId, Decision.Allow, verdict.PolicyVersion, Now - request.SubmittedAt),
            (copy.MediaId, copy.Decision, copy.PolicyVersion, copy.Latency));
        Assert.NotEqual(verdict.Id, copy.Id);
    }

    [Fact]
    public void A_verdict_is_not_lent_while_it_waits_for_a_reviewer_or_for_other_content_or_an_open_source()
    {
        var (waiting, waitingVerdict) = Reviewable(Decision.Review);
        Assert.Null(MediumLifecycle.LendVerdict(waiting, waitingVerdict, Reuse(waiting), Now));
        MediumLifecycle.Review(waiting, waitingVerdict, Decision.Allow, Now);
        Assert.NotNull(MediumLifecycle.LendVerdict(waiting, waitingVerdict, Reuse(waiting), Now));

        var (source, verdict) = Reviewable(Decision.Allow);
        Assert.Null(MediumLifecycle.LendVerdict(source, verdict, Reuse(source) with { Sha256 = new string('f', 64) }, Now));
        Assert.NotNull(MediumLifecycle.LendVerdict(source, verdict, Reuse(source) with { Sha256 = source.Sha256!.ToUpperInvariant() }, Now));
        Assert.Null(MediumLifecycle.LendVerdict(source, null, Reuse(source), Now));
        Assert.Null(MediumLifecycle.LendVerdict(null, null, Reuse(source), Now));
        source.State = MediaStates.Failed;
        Assert.Null(MediumLifecycle.LendVerdict(source, verdict, Reuse(source), Now));
    }

    // Erased media

    [Theory]
    [InlineData(MediumEvent.Submitted, true)]
    [InlineData(MediumEvent.FramesPlanned, true)]
    [InlineData(MediumEvent.ExtractionCompleted, true)]
    [InlineData(MediumEvent.MediaFailed, true)]
    [InlineData(MediumEvent.FrameClassified, false)]
    [InlineData(MediumEvent.FrameFailed, false)]
    [InlineData(MediumEvent.Stalled, false)]
    public void An_event_about_an_erased_medium_stores_nothing_and_announces_the_erasure_again_unless_it_is_about_one_frame(MediumEvent @event, bool announced)
    {
        var id = Guid.NewGuid();

        IReadOnlyList<LifecycleEffect> expected = announced ? [new ErasureAnnounced(id)] : [];

        Assert.Equal(expected, MediumLifecycle.WhenErased(id, @event).Effects);
    }

    private static (Guid Id, MediumLife Life) NewMedium()
    {
        var id = Guid.NewGuid();
        return (id, new MediumLife(new Medium { Id = id, CorrelationId = id, State = MediaStates.Pending, FirstSeenAt = Now, UpdatedAt = Now }));
    }

    private (Guid Id, MediumLife Life) Registered()
    {
        var (id, life) = NewMedium();
        Submit(life, Messages.Submitted(id));
        return (id, life);
    }

    /// <summary>A medium decided allow on its one frame.</summary>
    private (Guid Id, MediumLife Life) DecidedMedium()
    {
        var (id, life) = Registered();
        Complete(life, Messages.Completed(id, 1));
        VerdictOf(Classify(life, Messages.Frame(id, 0, ("Sexy", 0.1f))));
        return (id, life);
    }

    private (Medium Medium, Verdict Verdict) Reviewable(Decision decision)
    {
        var (id, life) = Registered();
        Complete(life, Messages.Completed(id, 1));
        var score = decision switch { Decision.Block => 0.95f, Decision.Review => 0.6f, _ => 0.1f };
        return (life.Medium, VerdictOf(Classify(life, Messages.Frame(id, 0, ("Porn", score)))).Verdict);
    }

    private static ReuseVerdict Reuse(Medium source) =>
        new(Guid.NewGuid(), source.Id, Guid.NewGuid(), source.Sha256!, "image/png", 1234, "File:copy", SubmissionPriority.Normal, null, "client-2",
            Now.AddSeconds(-2));

    private static FramesPlanned Still(Guid id) => Messages.Planned(id, 1) with { Kind = MediaKind.Still, ExtractionComplete = true };

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

    private static Decided VerdictOf(IReadOnlyList<LifecycleEffect> effects) => Assert.Single(effects.OfType<Decided>());

    private static (string, string, DateTimeOffset) FailureFacts(MediaFailure failure) => (failure.Reason, failure.Stage, failure.FailedAt);

    private List<LifecycleEffect> Submit(MediumLife life, MediaSubmitted message) => Settle(life, machine.Submit(life, message, Now), Policy());

    private List<LifecycleEffect> Plan(MediumLife life, FramesPlanned message) => Settle(life, machine.Plan(life, message, Now), Policy());

    private List<LifecycleEffect> Complete(MediumLife life, FrameExtractionCompleted message, PolicyVersion? policy = null) =>
        Settle(life, machine.CompleteExtraction(life, message, Now), policy ?? Policy());

    private List<LifecycleEffect> Classify(MediumLife life, params FrameClassified[] frames) => Classify(life, frames, Policy());

    private List<LifecycleEffect> Classify(MediumLife life, FrameClassified[] frames, PolicyVersion policy) =>
        Settle(life, machine.Classify(life, frames, Now), policy);

    /// <summary>What the aggregator does with a transition: a judgement by the policy in force when the machine asks for one.</summary>
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
