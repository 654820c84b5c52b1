using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>A decision needs a look: results refuses one on a task nobody revealed unless it is marked blind, and so does the desk.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DecisionNeedsALookTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Results_refuses_an_unseen_decision_with_a_problem_and_takes_it_after_a_reveal()
    {
        var stack = fixture.Stack;
        var still = new SeededMedium(Guid.NewGuid(), "File:Unseen.png", Sha(1), MediaKind.Still, [SeededMedium.Scores(0.985f)], 0);
        await fixture.Seeder.PublishAsync(still);
        await fixture.Seeder.WaitConcludedAsync(still.MediaId);

        using var admin = stack.ResultsClient(stack.AdminKey);
        var task = await admin.GetFromJsonAsync<JsonElement>("reviews/next");
        Assert.Equal(still.MediaId, task.GetProperty("mediaId").GetGuid());
        var taskId = task.GetProperty("taskId").GetGuid();

        using (var refused = await admin.PostAsJsonAsync($"reviews/{taskId}/decision", new { decision = "allow" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("The task's media was not looked at.", problem.GetProperty("title").GetString());
            Assert.Contains("\"blind\": true", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}'"));

        // Someone else's task cannot be "revealed" by a bystander.
        using (var bystander = stack.ResultsClient(stack.ReviewerKey))
        using (var notTheirs = await bystander.PostAsJsonAsync($"reviews/{taskId}/reveals", new { kind = "frame", frameIndex = 0 }))
        {
            Assert.Equal(HttpStatusCode.Conflict, notTheirs.StatusCode);
        }

        using (var revealed = await admin.PostAsJsonAsync($"reviews/{taskId}/reveals", new { kind = "frame", frameIndex = 0 }))
        {
            revealed.EnsureSuccessStatusCode();
            Assert.True((await revealed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reveals").GetInt32() >= 1);
        }

        // Looking at the same frame again is the same look.
        using (var again = await admin.PostAsJsonAsync($"reviews/{taskId}/reveals", new { kind = "frame", frameIndex = 0 }))
        {
            again.EnsureSuccessStatusCode();
        }

        Assert.Equal(1, await stack.CountAsync($"SELECT count(*) FROM review_reveals WHERE task_id = '{taskId}' AND reviewer = '{DashboardStack.AdminName}'"));
        using (var decided = await admin.PostAsJsonAsync($"reviews/{taskId}/decision", new { decision = "allow" }))
        {
            decided.EnsureSuccessStatusCode();
            Assert.False((await decided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blind").GetBoolean());
        }

        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM audit_log WHERE media_id = '{still.MediaId}' AND action = 'review.reveal' AND client_id = '{DashboardStack.AdminName}'"));
        var exposure = await admin.GetFromJsonAsync<JsonElement>("reviews/exposure");
        Assert.True(exposure.GetProperty("today").GetProperty("items").GetInt32() >= 1);
        Assert.True(exposure.GetProperty("today").GetProperty("reveals").GetInt32() >= 1);
    }

    [Fact]
    public async Task The_desk_refuses_decision_keys_before_a_reveal_never_allows_a_video_blind_and_records_a_blind_block()
    {
        var stack = fixture.Stack;
        var video = new SeededMedium(Guid.NewGuid(), "File:Unseen clip.webm", Sha(2), MediaKind.Video,
            [.. new[] { 0.2f, 0.83f, 0.5f, 0.4f }.Select(SeededMedium.Scores)], 1.0);
        var still = new SeededMedium(Guid.NewGuid(), "File:Obvious.png", Sha(3), MediaKind.Still, [SeededMedium.Scores(0.82f)], 0);
        await fixture.Seeder.PublishAsync(video);
        await fixture.Seeder.PublishAsync(still);
        await fixture.Seeder.WaitConcludedAsync(video.MediaId, still.MediaId);

        var page = await fixture.SignInAsync(stack.ReviewerKey);
        await page.GotoAsync("/Review");
        var desk = page.Locator("[data-testid=desk]");
        await Expect(desk).ToHaveAttributeAsync("data-media", video.MediaId.ToString());

        // A pressed at once is refused in the page; ticking "blind" does not let a video through either.
        await page.Keyboard.PressAsync("a");
        var refusal = page.Locator("[data-testid=refusal]");
        await Expect(refusal).ToBeVisibleAsync();
        await page.CheckAsync("[data-testid=blind]");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("a");
        await Expect(refusal).ToContainTextAsync("video is allowed only after a look");
        await Expect(desk).ToHaveAttributeAsync("data-media", video.MediaId.ToString());
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{video.MediaId}'"));

        // The server says the same when the page is bypassed: a blind allow of a video is refused by results.
        using (var alice = stack.ResultsClient(stack.ReviewerKey))
        {
            var taskId = Guid.Parse((await desk.GetAttributeAsync("data-task"))!);
            using var bypass = await alice.PostAsJsonAsync($"reviews/{taskId}/decision", new { decision = "allow", blind = true });
            Assert.Equal(HttpStatusCode.Conflict, bypass.StatusCode);
        }

        // R reveals the frame in focus; results records the look, and A is taken straight after it.
        await page.Keyboard.PressAsync("r");
        await page.Keyboard.PressAsync("a");
        await Expect(desk).ToHaveAttributeAsync("data-media", still.MediaId.ToString());
        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM review_feedback WHERE media_id = '{video.MediaId}' AND decision = 'Allow' AND NOT blind"));
        Assert.True(await stack.CountAsync($"SELECT count(*) FROM review_reveals WHERE media_id = '{video.MediaId}' AND kind = 'frame'") >= 1);

        // The still: B without a look is refused, B marked blind is recorded as blind, in the feedback and the audit log.
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=refusal]")).ToContainTextAsync("Look first");
        await page.CheckAsync("[data-testid=blind]");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("block");
        Assert.Equal(1, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}' AND decision = 'Block' AND blind"));
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_reveals WHERE media_id = '{still.MediaId}'"));
        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM audit_log WHERE media_id = '{still.MediaId}' AND action = 'review.decide' AND (details->>'blind')::boolean"));
        await page.Context.CloseAsync();
    }

    private static string Sha(int seed) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(1000 + seed)));
}
