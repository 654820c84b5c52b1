using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moderation.Contracts.V1;
using Npgsql;
using Xunit;

namespace Moderation.Dashboard.Tests;

/// <summary>The endpoints the dashboard added to the results service, checked at the API.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ResultsApiTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Undo_is_only_for_the_deciding_reviewer_within_the_window_and_restores_the_decision_in_force()
    {
        var stack = fixture.Stack;
        // Scored above anything else in the queue, so it is the task the admin claims next.
        var still = new SeededMedium(Guid.NewGuid(), "File:Undo.png", new string('b', 64), MediaKind.Still, [SeededMedium.Scores(0.99f)], 0);
        await fixture.Seeder.PublishAsync(still);
        await fixture.Seeder.WaitConcludedAsync(still.MediaId);

        using var decider = stack.ResultsClient(stack.AdminKey);
        using var other = stack.ResultsClient(stack.ReviewerKey);
        var task = await decider.GetFromJsonAsync<JsonElement>("reviews/next");
        Assert.Equal(still.MediaId, task.GetProperty("mediaId").GetGuid());
        var taskId = task.GetProperty("taskId").GetGuid();
        using (var looked = await decider.PostAsJsonAsync($"reviews/{taskId}/reveals", new { kind = "original" }))
        {
            looked.EnsureSuccessStatusCode();
        }

        using (var decided = await decider.PostAsJsonAsync($"reviews/{taskId}/decision", new { decision = "block" }))
        {
            decided.EnsureSuccessStatusCode();
        }

        Assert.Equal(("Block", true), await DecisionAsync(still.MediaId));

        using (var refused = await other.PostAsync($"reviews/{taskId}/undo", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }

        using (var undone = await decider.PostAsync($"reviews/{taskId}/undo", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, undone.StatusCode);
        }

        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}'"));
        Assert.Equal(("Review", false), await DecisionAsync(still.MediaId));
        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM review_tasks WHERE id = '{taskId}' AND status = 'open' AND claimed_by = '{DashboardStack.AdminName}' AND lease_expires_at > now()"));
        // Whether the block had gone out or was withdrawn in time, the last announcement is the decision in force again.
        var last = await stack.ScalarAsync<string>(
            $"SELECT payload FROM outbox WHERE media_id = '{still.MediaId}' AND message_type = 'VerdictReached' ORDER BY created_at DESC LIMIT 1");
        Assert.Equal("review", JsonDocument.Parse(last).RootElement.GetProperty("decision").GetString());

        using (var again = await decider.PostAsync($"reviews/{taskId}/undo", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        using (var redecided = await decider.PostAsJsonAsync($"reviews/{taskId}/decision", new { decision = "allow" }))
        {
            redecided.EnsureSuccessStatusCode();
        }

        Assert.Equal(("Allow", true), await DecisionAsync(still.MediaId));
    }

    [Fact]
    public async Task Me_names_the_caller_and_scopes_and_stats_refuse_absurd_windows()
    {
        using var alice = fixture.Stack.ResultsClient(fixture.Stack.ReviewerKey);
        var me = await alice.GetFromJsonAsync<JsonElement>("me");
        Assert.Equal(DashboardStack.ReviewerName, me.GetProperty("clientId").GetString());
        Assert.Equal(["read", "review"], me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());

        using var anonymous = new HttpClient { BaseAddress = fixture.Stack.Results };
        using (var refused = await anonymous.GetAsync("me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var tooMany = await alice.GetAsync("stats/overview?hours=2000&bucketMinutes=1"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        }

        var stats = await alice.GetFromJsonAsync<JsonElement>("stats/overview?hours=2&bucketMinutes=30");
        Assert.Equal(4, stats.GetProperty("buckets").GetArrayLength());
        Assert.True(stats.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("reviewed").GetInt32()) >= DashboardFixture.Reviewed.Length);
    }

    private async Task<(string Decision, bool ByReviewer)> DecisionAsync(Guid mediaId)
    {
        await using var db = await fixture.Stack.OpenResultsDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT decision, decided_by_reviewer FROM media WHERE id = @id", db);
        command.Parameters.AddWithValue("id", mediaId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetBoolean(1));
    }
}
