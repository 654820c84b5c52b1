using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

public sealed class ReviewFixture : IAsyncLifetime
{
    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public CallbackReceiver Callbacks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync(new Dictionary<string, string?> { ["Review:LeaseDuration"] = "00:00:03" });
        Probe = await BusProbe.StartAsync(App.RabbitMq);
        Callbacks = await CallbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Callbacks.DisposeAsync();
        await App.DisposeAsync();
    }
}

/// <summary>The review queue is global state: each test starts from an empty queue.</summary>
public sealed class ReviewTests : IClassFixture<ReviewFixture>, IAsyncLifetime
{
    private readonly ResultsApp _app;
    private readonly BusProbe _probe;
    private readonly CallbackReceiver _callbacks;

    public ReviewTests(ReviewFixture fixture)
    {
        _app = fixture.App;
        _probe = fixture.Probe;
        _callbacks = fixture.Callbacks;
    }

    public Task InitializeAsync() => _app.QueryAsync(db => db.ReviewTasks.ExecuteDeleteAsync());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Review_tasks_are_claimed_by_score_then_age_and_a_decision_overrides_the_verdict()
    {
        var older = await ReviewVerdictAsync(0.55f);
        var higher = await ReviewVerdictAsync(0.8f, callback: true);
        var newer = await ReviewVerdictAsync(0.55f);

        using var reviewer = _app.Client(ResultsApp.ReviewerKey);
        var first = await ClaimAsync(reviewer);
        Assert.Equal(higher, first.MediaId);
        Assert.Equal("policy", first.Reason);
        Assert.Equal(0.8, first.Priority, 3);
        Assert.Contains(first.Frames, f => f.Scores["Sexy"] == 0.8f);
        // Asking again while holding a lease returns the same task rather than taking a second one.
        Assert.Equal(first.TaskId, (await ClaimAsync(reviewer)).TaskId);

        var decision = new ReviewDecisionRequest(Decision.Block, new() { ["Sexy"] = true, ["Porn"] = false }, "explicit", 12.5, Blind: true);
        var response = await reviewer.PostAsJsonAsync($"/reviews/{first.TaskId}/decision", decision, ResultsApp.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var overridden = await _probe.WaitAsync<VerdictReached>(higher, v => v.ByReviewer);
        Assert.Equal(Decision.Block, overridden.Decision);
        var media = await _app.GetAsync<MediaDetails>($"/media/{higher}");
        Assert.Equal((Decision.Block, Decision.Review, true), (media.Verdict!.Decision, media.Verdict.AutomaticDecision, media.Verdict.ByReviewer));
        var feedback = Assert.Single(media.Reviews).Feedback!;
        Assert.Equal(("reviewer-1", Decision.Block, 12.5), (feedback.Reviewer, feedback.Decision, feedback.TimeSpentSeconds));
        Assert.True(feedback.Labels["Sexy"]);
        Assert.False(feedback.Labels["Porn"]);
        var stored = await _app.QueryAsync(db => db.ReviewFeedback.SingleAsync(f => f.MediaId == higher));
        Assert.Equal((Decision.Review, "1.0.0", "default", 1), (stored.AutomaticDecision, stored.ModelVersion, stored.PolicyName, stored.PolicyVersion));

        var callbacks = await Eventually.GetAsync(() =>
        {
            var mine = _callbacks.Received.Where(c => System.Text.Encoding.UTF8.GetString(c.Body).Contains(higher.ToString(), StringComparison.Ordinal)).ToList();
            return Task.FromResult(mine.Count >= 2 ? mine : null);
        }, "two callbacks");
        Assert.Contains("\"byReviewer\":false", System.Text.Encoding.UTF8.GetString(callbacks[0].Body));
        Assert.Contains("\"byReviewer\":true", System.Text.Encoding.UTF8.GetString(callbacks[1].Body));

        Assert.Equal(older, (await ClaimAsync(reviewer)).MediaId);
        using var second = _app.Client(ResultsApp.SecondReviewerKey);
        Assert.Equal(newer, (await ClaimAsync(second)).MediaId);
        Assert.Equal(HttpStatusCode.NoContent, (await _app.Client(ResultsApp.AdminKey).GetAsync("/reviews/next")).StatusCode);
    }

    [Fact]
    public async Task An_expired_lease_lets_another_reviewer_claim_and_refuses_the_late_decision()
    {
        var mediaId = await ReviewVerdictAsync(0.6f);
        using var slow = _app.Client(ResultsApp.ReviewerKey);
        using var fast = _app.Client(ResultsApp.SecondReviewerKey);
        var claimed = await ClaimAsync(slow);
        Assert.Equal(HttpStatusCode.NoContent, (await fast.GetAsync("/reviews/next")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(3.2));
        var reclaimed = await ClaimAsync(fast);
        Assert.Equal(claimed.TaskId, reclaimed.TaskId);

        var late = await slow.PostAsJsonAsync($"/reviews/{claimed.TaskId}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fast.PostAsJsonAsync($"/reviews/{claimed.TaskId}/reveals", new RevealRequest("frame", 0), ResultsApp.Json)).StatusCode);
        var onTime = await fast.PostAsJsonAsync($"/reviews/{claimed.TaskId}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
        var again = await fast.PostAsJsonAsync($"/reviews/{claimed.TaskId}/decision", new ReviewDecisionRequest(Decision.Block, null, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var media = await _app.GetAsync<MediaDetails>($"/media/{mediaId}");
        Assert.Equal((Decision.Allow, true), (media.Verdict!.Decision, media.Verdict.ByReviewer));
        Assert.Equal("reviewer-2", media.Reviews.Single().Feedback!.Reviewer);
    }

    [Fact]
    public async Task A_skipped_task_goes_to_someone_else_and_release_returns_it_to_the_queue()
    {
        await ReviewVerdictAsync(0.7f);
        using var first = _app.Client(ResultsApp.ReviewerKey);
        using var second = _app.Client(ResultsApp.SecondReviewerKey);
        var task = await ClaimAsync(first);
        Assert.Equal(HttpStatusCode.Conflict, (await second.PostAsync($"/reviews/{task.TaskId}/skip", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await first.PostAsync($"/reviews/{task.TaskId}/skip", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await first.GetAsync("/reviews/next")).StatusCode);

        var taken = await ClaimAsync(second);
        Assert.Equal(task.TaskId, taken.TaskId);
        Assert.Equal(HttpStatusCode.NoContent, (await second.PostAsync($"/reviews/{task.TaskId}/release", null)).StatusCode);
        Assert.Equal(task.TaskId, (await ClaimAsync(second)).TaskId);

        var stats = await _app.GetAsync<ReviewQueueStats>("/reviews/stats", ResultsApp.ReviewerKey);
        Assert.Equal((1, 1, 0), (stats.Open, stats.Claimed, stats.Done));
    }

    [Fact]
    public async Task Reviewers_need_the_review_scope_and_decide_only_allow_or_block()
    {
        using var reader = _app.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/reviews/next")).StatusCode);

        await ReviewVerdictAsync(0.6f);
        using var reviewer = _app.Client(ResultsApp.ReviewerKey);
        var task = await ClaimAsync(reviewer);
        var invalid = await reviewer.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(Decision.Review, null, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await reviewer.PostAsJsonAsync($"/reviews/{Guid.NewGuid()}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, null), ResultsApp.Json)).StatusCode);
    }

    private async Task<Guid> ReviewVerdictAsync(float sexy, bool callback = false)
    {
        var id = Guid.NewGuid();
        await _app.Bus.Publish(Messages.Submitted(id, callbackUrl: callback ? _callbacks.BaseUrl + "/hook" : null));
        await _app.Bus.Publish(Messages.Frame(id, 0, ("Sexy", sexy)));
        await _app.Bus.Publish(Messages.Completed(id, 1));
        var verdict = await _probe.WaitAsync<VerdictReached>(id);
        Assert.Equal(Decision.Review, verdict.Decision);
        await Task.Delay(20); // distinct creation times, so "then oldest" is observable
        return id;
    }

    private static async Task<ClaimedReview> ClaimAsync(HttpClient client)
    {
        var response = await client.GetAsync("/reviews/next");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimedReview>(ResultsApp.Json))!;
    }
}
