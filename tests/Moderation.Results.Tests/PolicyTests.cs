using System.Net;
using System.Net.Http.Json;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

[Collection(ApiCollection.Name)]
public sealed class PolicyTests(ApiFixture fixture)
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task The_default_policy_is_seeded()
    {
        var policies = await App.GetAsync<List<PolicyView>>("/policies", ResultsApp.ReadKey);
        var seeded = Assert.Single(policies, p => p.Name == "default");
        Assert.Equal(1, seeded.Version);
        Assert.Equal(new Dictionary<string, float> { ["Porn"] = 0.9f, ["Hentai"] = 0.9f }, seeded.Block);
        Assert.Equal(new Dictionary<string, float> { ["Porn"] = 0.5f, ["Hentai"] = 0.5f, ["Sexy"] = 0.5f }, seeded.Review);
    }

    [Fact]
    public async Task Policy_changes_are_new_versions_and_each_verdict_keeps_the_version_it_was_decided_under()
    {
        var name = "clipart-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = App.Client(ResultsApp.AdminKey);
        var v1 = await CreateAsync(admin, new PolicyRequest(name, null, new() { ["Drawing"] = 0.5f }, true, "review clip art"));
        Assert.Equal(1, v1.Version);
        Assert.Equal("admin", v1.CreatedBy);

        var first = await DecideAsync(name, 0.85f);
        Assert.Equal((Decision.Review, 1), (first.Decision, first.PolicyVersion));

        var v2 = await CreateAsync(admin, new PolicyRequest(name, new() { ["Drawing"] = 0.8f }, new() { ["Drawing"] = 0.5f }, true, "block clip art"));
        Assert.Equal(2, v2.Version);
        var second = await DecideAsync(name, 0.85f, complete: false);
        Assert.Equal((Decision.Block, 2, true), (second.Decision, second.PolicyVersion, second.DecidedEarly));

        var versions = await App.GetAsync<List<PolicyView>>($"/policies/{name}/versions", ResultsApp.ReadKey);
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        var media = await App.GetAsync<MediaDetails>($"/media/{first.MediaId}");
        Assert.Equal((Decision.Review, name, 1), (media.Verdict!.Decision, media.Verdict.Policy, media.Verdict.PolicyVersion));
    }

    [Fact]
    public async Task Only_admins_write_policies_and_thresholds_are_validated()
    {
        using var reviewer = App.Client(ResultsApp.ReviewerKey);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await reviewer.PostAsJsonAsync("/policies", new PolicyRequest("nope", null, null, null, null), ResultsApp.Json)).StatusCode);
        using var admin = App.Client(ResultsApp.AdminKey);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await admin.PostAsJsonAsync("/policies", new PolicyRequest("bad", new() { ["Porn"] = 1.5f }, null, null, null), ResultsApp.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await admin.PostAsJsonAsync("/policies", new PolicyRequest("Bad Name!", null, null, null, null), ResultsApp.Json)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_policy_name_falls_back_to_the_default_policy()
    {
        var verdict = await DecideAsync("no-such-policy", 0.3f, sexy: 0.6f);
        Assert.Equal((Decision.Review, "default"), (verdict.Decision, verdict.Policy));
    }

    [Fact]
    public async Task A_medium_that_stops_making_progress_fails_with_extraction_timeout()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(Messages.Planned(id, 10));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
        using var client = App.Client(ResultsApp.ReadKey);
        var failed = await Eventually.GetAsync(async () =>
        {
            var response = await client.GetAsync($"/media/{id}");
            var media = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<MediaDetails>(ResultsApp.Json) : null;
            return media?.State == MediaStates.Failed ? media : null;
        }, "stall failure", TimeSpan.FromSeconds(30));
        Assert.Equal((FailureReasons.ExtractionTimeout, "results"), (failed.Failure!.Reason, failed.Failure.Stage));
        Assert.Contains("1 of 10 frames", failed.Failure.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.95f, 0.1f, Decision.Block, "Porn")]
    [InlineData(0.89f, 0.1f, Decision.Review, "Porn")]
    [InlineData(0.2f, 0.55f, Decision.Review, "Sexy")]
    [InlineData(0.49f, 0.49f, Decision.Allow, null)]
    public void The_seeded_thresholds_decide_as_documented(float porn, float sexy, Decision expected, string? trigger)
    {
        var policy = new PolicyVersion
        {
            Name = "default",
            Version = 1,
            BlockThresholds = new() { ["Porn"] = 0.9f, ["Hentai"] = 0.9f },
            ReviewThresholds = new() { ["Porn"] = 0.5f, ["Hentai"] = 0.5f, ["Sexy"] = 0.5f },
        };
        var decision = ModerationPolicy.Decide(policy, new Dictionary<string, float> { ["Porn"] = porn, ["Sexy"] = sexy, ["Neutral"] = 0.99f });
        Assert.Equal((expected, trigger), (decision.Decision, decision.TriggerClass));
    }

    private static async Task<PolicyView> CreateAsync(HttpClient admin, PolicyRequest request)
    {
        var response = await admin.PostAsJsonAsync("/policies", request, ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PolicyView>(ResultsApp.Json))!;
    }

    /// <summary>
    /// One frame of two, then the second and the completion; or (not <paramref name="complete"/>) two corroborating frames
    /// of a ten-frame video, so that only an early exit produces a verdict.
    /// </summary>
    private async Task<VerdictReached> DecideAsync(string policy, float drawing, float sexy = 0f, bool complete = true)
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, policy: policy));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Drawing", drawing), ("Sexy", sexy)));
        if (complete)
        {
            await App.Bus.Publish(Messages.Frame(id, 1, ("Drawing", 0.1f)));
            await App.Bus.Publish(Messages.Completed(id, 2));
        }
        else
        {
            await App.Bus.Publish(Messages.Planned(id, 10));
            await App.Bus.Publish(Messages.Frame(id, 1, ("Drawing", drawing), ("Sexy", sexy)));
        }

        return await fixture.Probe.WaitAsync<VerdictReached>(id);
    }
}
