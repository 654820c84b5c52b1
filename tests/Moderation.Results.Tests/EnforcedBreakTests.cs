using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Review;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>A results app whose reviewers must pause for 8 s after 2 s of work.</summary>
public sealed class EnforcedBreakFixture : IAsyncLifetime
{
    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync(new Dictionary<string, string?>
        {
            ["Review:BreakAfterExposure"] = "00:00:02",
            ["Review:BreakLength"] = "00:00:08",
        });
        Probe = await BusProbe.StartAsync(App.RabbitMq);
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await App.DisposeAsync();
    }
}

/// <summary>The enforced break is results' rule, not the browser's: claims, reveals and decisions are refused until it has lasted.</summary>
public sealed class EnforcedBreakTests(EnforcedBreakFixture fixture) : IClassFixture<EnforcedBreakFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task After_the_exposure_limit_results_refuses_claims_reveals_and_decisions_until_the_break_has_lasted()
    {
        var first = await ReviewMediumAsync();
        var second = await ReviewMediumAsync();
        using var alice = App.Client(ResultsApp.ReviewerKey);
        using var bob = App.Client(ResultsApp.SecondReviewerKey);

        var task = await ClaimAsync(alice);
        Assert.Contains(task.MediaId, new[] { first, second });
        (await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/reveals", new RevealRequest("frame", 0), ResultsApp.Json)).EnsureSuccessStatusCode();
        Assert.False((await BreakAsync(alice)).Due);

        // Still at it two seconds later: the break is due, and every step of review is refused with the time the desk opens.
        var due = await Eventually.GetAsync(async () => await BreakAsync(alice) is { Due: true } state ? state : null, "the break to fall due");
        Assert.True(due.ExposureMinutes >= 2.0 / 60);
        Assert.Equal(2.0 / 60, due.AfterMinutes!.Value, 6);
        using (var refused = await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, 3), ResultsApp.Json))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("A break is due.", problem.GetProperty("title").GetString());
            Assert.Contains($"{due.ResumeAt:HH:mm:ss} UTC", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Conflict,
            (await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/reveals", new RevealRequest("frame", 1), ResultsApp.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await alice.GetAsync("/reviews/batch?count=2")).StatusCode);
        Assert.Equal(0, await App.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.ReviewFeedback)));

        // Another reviewer is not affected.
        var bobs = await ClaimAsync(bob);
        Assert.Equal(task.MediaId == first ? second : first, bobs.MediaId);

        // Refused attempts are no activity: once Alice has paused for the break's length she decides again.
        await Eventually.TrueAsync(async () => !(await BreakAsync(alice)).Due, "the break to end", TimeSpan.FromSeconds(30));
        Assert.True(DateTimeOffset.UtcNow >= due.ResumeAt);
        Assert.Equal(task.TaskId, (await ClaimAsync(alice)).TaskId);
        using var decided = await alice.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(Decision.Allow, null, null, 3), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
    }

    private static async Task<BreakState> BreakAsync(HttpClient reviewer) =>
        (await reviewer.GetFromJsonAsync<BreakState>("/reviews/break", ResultsApp.Json))!;

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
