using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Data;
using Moderation.Results.Review;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>Reviewer statistics computed in PostgreSQL from the feedback, the audit log and the exposure counters of a real review session.</summary>
public sealed class ReviewerStatsTests(AppWithBusFixture fixture) : IClassFixture<AppWithBusFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Stats_give_decisions_per_hour_median_handling_time_undos_skips_agreement_and_exposure_per_day()
    {
        var media = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            media.Add(await ReviewMediumAsync());
        }

        using var alice = App.Client(ResultsApp.ReviewerKey);
        using var bob = App.Client(ResultsApp.SecondReviewerKey);

        // Alice decides three (one of them twice: the first taken back), skips the fourth; Bob decides that one.
        var decided = new Dictionary<Guid, Decision>();
        foreach (var (decision, seconds) in new[] { (Decision.Block, 4.0), (Decision.Allow, 30.0), (Decision.Block, 10.0) })
        {
            var task = await ClaimAsync(alice);
            (await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/reveals", new RevealRequest("frame", 0), ResultsApp.Json)).EnsureSuccessStatusCode();
            if (decided.Count == 1)
            {
                (await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(Decision.Block, null, null, 2), ResultsApp.Json))
                    .EnsureSuccessStatusCode();
                Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsync($"/reviews/{task.TaskId}/undo", null)).StatusCode);
            }

            (await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(decision, null, null, seconds), ResultsApp.Json))
                .EnsureSuccessStatusCode();
            decided[task.MediaId] = decision;
        }

        var skipped = await ClaimAsync(alice);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsync($"/reviews/{skipped.TaskId}/skip", null)).StatusCode);
        var bobs = await ClaimAsync(bob);
        Assert.Equal(skipped.TaskId, bobs.TaskId);
        (await bob.PostAsJsonAsync($"/reviews/{bobs.TaskId}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, 7, Blind: true), ResultsApp.Json))
            .EnsureSuccessStatusCode();

        // Two of Alice's media came back as audit samples and Bob gave a second opinion: he agrees on one, not on the other.
        var (agreedOn, disputed) = (decided.Keys.ElementAt(0), decided.Keys.ElementAt(1));
        await SecondOpinionAsync(agreedOn, "reviewer-2", decided[agreedOn]);
        await SecondOpinionAsync(disputed, "reviewer-2", decided[disputed] == Decision.Block ? Decision.Allow : Decision.Block);

        var stats = await App.GetAsync<ReviewerStats>("/reviews/reviewers/reviewer-1/stats?days=7", ResultsApp.ReviewerKey);
        Assert.Equal(("reviewer-1", 3, 2, 0, 1, 1), (stats.Reviewer, stats.Decisions, stats.Blocks, stats.Blind, stats.Undone, stats.Skips));
        Assert.Equal(10, stats.MedianHandlingSeconds!.Value, 3);
        Assert.Equal(26, stats.P90HandlingSeconds!.Value, 3); // 10 + 0.8 × (30 − 10)
        var today = Assert.Single(stats.Days);
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), today.Day);
        Assert.InRange(today.ActiveHours, 1, 2); // the session may straddle the turn of an hour
        Assert.Equal(3.0 / today.ActiveHours, stats.DecisionsPerHour!.Value, 6);
        Assert.Equal((3, 44.0), (today.Decisions, today.HandlingSeconds));
        Assert.Equal((4, 3), (today.Items, today.Reveals)); // the undone decision was seen and counted all the same
        Assert.Equal(new ReviewerAgreement(2, 1, 0.5, 2, 1, 0.5), stats.Agreement);
        Assert.Equal(stats.To.AddDays(-6), stats.From);

        var bobsStats = await App.GetAsync<ReviewerStats>("/reviews/reviewers/reviewer-2/stats", ResultsApp.AdminKey);
        Assert.Equal((3, 1, 2), (bobsStats.Decisions, bobsStats.Blind, bobsStats.Agreement.Pairs));
    }

    [Fact]
    public async Task A_reviewer_reads_only_their_own_stats_and_administrators_everyones()
    {
        using var alice = App.Client(ResultsApp.ReviewerKey);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/reviews/reviewers/reviewer-1/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/reviews/reviewers/reviewer-2/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/reviews/reviewers")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.GetAsync("/reviews/reviewers/reviewer-1/stats?days=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(ResultsApp.ReadKey).GetAsync("/reviews/reviewers/reader/stats")).StatusCode);
        using var admin = App.Client(ResultsApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/reviews/reviewers/reviewer-2/stats")).StatusCode);
        var empty = await App.GetAsync<ReviewerStats>("/reviews/reviewers/nobody/stats");
        Assert.Equal((0, (double?)null, (double?)null), (empty.Decisions, empty.DecisionsPerHour, empty.MedianHandlingSeconds));
    }

    [Fact]
    public async Task Desk_settings_are_each_reviewers_own_with_defaults_and_bounds()
    {
        using var alice = App.Client(ResultsApp.ReviewerKey);
        using var bob = App.Client(ResultsApp.SecondReviewerKey);
        Assert.Equal(ReviewerSettingsView.Default, await alice.GetFromJsonAsync<ReviewerSettingsView>("/reviews/settings", ResultsApp.Json));
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PutAsJsonAsync("/reviews/settings", new ReviewerSettingsView(65, true), ResultsApp.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsJsonAsync("/reviews/settings", new ReviewerSettingsView(40, false), ResultsApp.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsJsonAsync("/reviews/settings", new ReviewerSettingsView(8, false), ResultsApp.Json)).StatusCode);
        Assert.Equal(new ReviewerSettingsView(8, false), await alice.GetFromJsonAsync<ReviewerSettingsView>("/reviews/settings", ResultsApp.Json));
        Assert.Equal(ReviewerSettingsView.Default, await bob.GetFromJsonAsync<ReviewerSettingsView>("/reviews/settings", ResultsApp.Json));
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(ResultsApp.ReadKey).GetAsync("/reviews/settings")).StatusCode);
    }

    /// <summary>A second reviewer's decision on an audit-sample task of the same medium, as the review queue records one.</summary>
    private Task<int> SecondOpinionAsync(Guid mediaId, string reviewer, Decision decision) => App.QueryAsync(async db =>
    {
        var first = await db.ReviewFeedback.AsNoTracking().SingleAsync(f => f.MediaId == mediaId);
        var task = new ReviewTask
        {
            Id = Guid.CreateVersion7(), MediaId = mediaId, Reason = ReviewReasons.Audit, Priority = 0.5, Status = ReviewTaskStates.Done,
            CreatedAt = DateTimeOffset.UtcNow, CompletedAt = DateTimeOffset.UtcNow,
        };
        db.ReviewTasks.Add(task);
        db.ReviewFeedback.Add(new ReviewFeedback
        {
            Id = Guid.CreateVersion7(), TaskId = task.Id, MediaId = mediaId, Reviewer = reviewer, Decision = decision, TimeSpent = TimeSpan.FromSeconds(5),
            CreatedAt = DateTimeOffset.UtcNow, AutomaticDecision = first.AutomaticDecision, ModelVersion = first.ModelVersion, PolicyName = first.PolicyName,
            PolicyVersion = first.PolicyVersion,
        });
        return await db.SaveChangesAsync();
    });

    private async Task<Guid> ReviewMediumAsync()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.6f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
        Assert.Equal(Decision.Review, (await fixture.Probe.WaitAsync<VerdictReached>(id)).Decision);
        return id;
    }

    private static async Task<ClaimedReview> ClaimAsync(HttpClient reviewer)
    {
        using var response = await reviewer.GetAsync("/reviews/next");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimedReview>(ResultsApp.Json))!;
    }
}
