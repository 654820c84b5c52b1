using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Reason codes are defined per policy by administrators; a policy may require one for a block, and a decision without it
/// is answered 400 with the codes allowed. The code lands in the feedback and in the audit log and its CSV export.
/// </summary>
public sealed class ReasonCodeTests(AppWithBusFixture fixture) : IClassFixture<AppWithBusFixture>
{
    private static readonly List<ReasonCode> Codes =
    [
        new("nudity-explicit", "Explicit nudity", "Genitals or sexual acts."),
        new("nudity-partial", "Partial nudity"),
        new("not-nudity", "No nudity after all", "A false alarm of the model."),
    ];

    private ResultsApp App => fixture.App;

    [Fact]
    public async Task A_policy_requiring_a_reason_code_refuses_a_block_without_one_naming_the_codes_and_records_the_code_given()
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        var created = await CreatePolicyAsync(admin, new PolicyRequest("reasoned", null, new() { ["Sexy"] = 0.4f }, false, "reason codes",
            Description: "Nudity on the encyclopedia's main pages.", ReasonCodes: Codes, RequireBlockReason: true));
        Assert.Equal(["nudity-explicit", "nudity-partial", "not-nudity"], created.ReasonCodes.Select(c => c.Code));
        Assert.True(created.RequireBlockReason);

        var id = await ReviewMediumAsync("reasoned");
        using var reviewer = App.Client(ResultsApp.ReviewerKey);
        var task = await ClaimAsync(reviewer, "reasoned");
        Assert.Equal(id, task.MediaId);
        Assert.Equal(("reasoned", created.Version, "Nudity on the encyclopedia's main pages.", true),
            (task.Policy!.Name, task.Policy.Version, task.Policy.Description, task.Policy.RequireBlockReason));
        Assert.Equal("Genitals or sexual acts.", task.Policy.ReasonCodes[0].Description);
        (await reviewer.PostAsJsonAsync($"/reviews/{task.TaskId}/reveals", new RevealRequest("frame", 0), ResultsApp.Json)).EnsureSuccessStatusCode();

        // A block without a code: a problem-details 400 that names the codes, in its text and as a list.
        using var missing = await DecideAsync(reviewer, task.TaskId, new ReviewDecisionRequest(Decision.Block, null, null, 3));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["nudity-explicit", "nudity-partial", "not-nudity"], problem.GetProperty("reasonCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("nudity-explicit, nudity-partial, not-nudity", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var unknown = await DecideAsync(reviewer, task.TaskId, new ReviewDecisionRequest(Decision.Block, null, null, 3, ReasonCode: "spam"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("'spam'", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await App.QueryAsync(db => db.ReviewFeedback.CountAsync(f => f.MediaId == id)));

        // The task is still the reviewer's; with a code the block is recorded, the code with it.
        using var decided = await DecideAsync(reviewer, task.TaskId,
            new ReviewDecisionRequest(Decision.Block, null, "plainly explicit", 3, ReasonCode: "nudity-explicit"));
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.Equal("nudity-explicit", (await decided.Content.ReadFromJsonAsync<FeedbackView>(ResultsApp.Json))!.ReasonCode);
        Assert.Equal("nudity-explicit", await App.QueryAsync(db => db.ReviewFeedback.Where(f => f.MediaId == id).Select(f => f.ReasonCode).SingleAsync()));
        var media = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal("nudity-explicit", media.Reviews.Single().Feedback!.ReasonCode);

        var entry = Assert.Single((await App.GetAsync<AuditPage>($"/audit?mediaId={id}&action={AuditActions.ReviewDecided}")).Items);
        Assert.Equal("nudity-explicit", entry.Details.GetProperty("reasonCode").GetString());
        var csv = await admin.GetStringAsync($"/audit/export.csv?mediaId={id}&action={AuditActions.ReviewDecided}");
        var row = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split(',');
        Assert.Equal(("block", "nudity-explicit", "plainly explicit"), (row[6], row[7], row[10]));
    }

    [Fact]
    public async Task New_versions_keep_the_codes_unless_given_and_bad_codes_are_refused()
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        await CreatePolicyAsync(admin, new PolicyRequest("kept", null, new() { ["Sexy"] = 0.4f }, false, null, Description: "Kept policy.", ReasonCodes: Codes,
            RequireBlockReason: true));
        var thresholdsOnly = await CreatePolicyAsync(admin, new PolicyRequest("kept", null, new() { ["Sexy"] = 0.3f }, false, "lower"));
        Assert.Equal((2, "Kept policy.", 3, true), (thresholdsOnly.Version, thresholdsOnly.Description, thresholdsOnly.ReasonCodes.Count, thresholdsOnly.RequireBlockReason));
        var cleared = await CreatePolicyAsync(admin, new PolicyRequest("kept", null, new() { ["Sexy"] = 0.3f }, false, null, Description: "", ReasonCodes: [],
            RequireBlockReason: false));
        Assert.Equal((null, 0, false), (cleared.Description, cleared.ReasonCodes.Count, cleared.RequireBlockReason));

        foreach (var bad in new[]
        {
            new PolicyRequest("bad", null, null, null, null, ReasonCodes: [], RequireBlockReason: true),
            new PolicyRequest("bad", null, null, null, null, ReasonCodes: [new("same", "One"), new("same", "Two")]),
            new PolicyRequest("bad", null, null, null, null, ReasonCodes: [new("Not A Code", "Spaces")]),
            new PolicyRequest("bad", null, null, null, null, ReasonCodes: [new("no-label", "")]),
        })
        {
            using var response = await admin.PostAsJsonAsync("/policies", bad, ResultsApp.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/policies/bad/versions")).StatusCode);
    }

    [Fact]
    public async Task A_policy_without_reason_codes_keeps_todays_api()
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        await CreatePolicyAsync(admin, new PolicyRequest("plain", null, new() { ["Sexy"] = 0.4f }, false, null));
        var first = await ReviewMediumAsync("plain");
        var second = await ReviewMediumAsync("plain");
        using var reviewer = App.Client(ResultsApp.ReviewerKey);

        var task = await ClaimAsync(reviewer, "plain");
        Assert.Equal(first, task.MediaId);
        Assert.Empty(task.Policy!.ReasonCodes);
        using var blocked = await DecideAsync(reviewer, task.TaskId, new ReviewDecisionRequest(Decision.Block, null, null, 3, Blind: true));
        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        Assert.Null(await App.QueryAsync(db => db.ReviewFeedback.Where(f => f.MediaId == first).Select(f => f.ReasonCode).SingleAsync()));

        // A code the policy does not define is refused rather than silently kept.
        var next = await ClaimAsync(reviewer, "plain");
        Assert.Equal(second, next.MediaId);
        using var coded = await DecideAsync(reviewer, next.TaskId, new ReviewDecisionRequest(Decision.Allow, null, null, 3, Blind: true, ReasonCode: "fine"));
        Assert.Equal(HttpStatusCode.BadRequest, coded.StatusCode);
        Assert.Contains("defines none", (await coded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<PolicyView> CreatePolicyAsync(HttpClient admin, PolicyRequest request)
    {
        using var response = await admin.PostAsJsonAsync("/policies", request, ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PolicyView>(ResultsApp.Json))!;
    }

    private async Task<Guid> ReviewMediumAsync(string policy)
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, policy: policy));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.6f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
        Assert.Equal(Decision.Review, (await fixture.Probe.WaitAsync<VerdictReached>(id)).Decision);
        return id;
    }

    private static async Task<ClaimedReview> ClaimAsync(HttpClient reviewer, string policy)
    {
        using var response = await reviewer.GetAsync($"/reviews/next?policy={policy}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimedReview>(ResultsApp.Json))!;
    }

    private static Task<HttpResponseMessage> DecideAsync(HttpClient reviewer, Guid taskId, ReviewDecisionRequest request) =>
        reviewer.PostAsJsonAsync($"/reviews/{taskId}/decision", request, ResultsApp.Json);
}
