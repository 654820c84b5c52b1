using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Auth;
using Moderation.Results.Data;
using Moderation.Results.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>Every audited action leaves one record naming the client and key, the medium, and what was done.</summary>
public sealed class AuditTests(AppWithBusFixture fixture) : IClassFixture<AppWithBusFixture>
{
    private static readonly string ReviewerKeyId = IngestApiKeyStore.StaticKeyId(ApiKeyHash.Of(ResultsApp.ReviewerKey));
    private static readonly string AdminKeyId = IngestApiKeyStore.StaticKeyId(ApiKeyHash.Of(ResultsApp.AdminKey));

    private ResultsApp App => fixture.App;

    [Fact]
    public async Task A_reviewer_reading_another_clients_medium_is_recorded_and_an_owner_reading_its_own_is_not()
    {
        var id = await DecidedMediumAsync(("Drawing", 0.2f));
        using var reviewer = App.Client(ResultsApp.ReviewerKey);
        (await reviewer.GetAsync($"/media/{id}")).EnsureSuccessStatusCode();
        (await reviewer.GetAsync($"/media/{id}/frames")).EnsureSuccessStatusCode();
        using var owner = App.Client(ResultsApp.ReadKey);
        (await owner.GetAsync($"/media/{id}")).EnsureSuccessStatusCode();
        (await owner.GetAsync($"/media/{id}/frames")).EnsureSuccessStatusCode();

        var entries = (await AuditAsync($"?mediaId={id}")).Items;
        Assert.Equal(["frames", "details"], entries.Select(e => e.Details.GetProperty("what").GetString()));
        Assert.All(entries, e =>
        {
            Assert.Equal((AuditActions.CrossTenantRead, "reviewer-1", ReviewerKeyId, (Guid?)id), (e.Action, e.ClientId, e.KeyId, e.MediaId));
            Assert.Equal(Messages.ClientId, e.Details.GetProperty("owner").GetString());
        });

        // A reviewer's key reading a medium of its own client crosses no tenant.
        var reviewersOwn = await DecidedMediumAsync("reviewer-1", ("Drawing", 0.2f));
        (await reviewer.GetAsync($"/media/{reviewersOwn}")).EnsureSuccessStatusCode();
        Assert.Empty((await AuditAsync($"?mediaId={reviewersOwn}")).Items);
    }

    [Fact]
    public async Task A_status_read_that_ingest_reports_for_another_clients_reader_is_recorded()
    {
        var id = await DecidedMediumAsync(("Drawing", 0.2f));
        var status = App.Bus.CreateRequestClient<GetMediaStatus>();
        Assert.True((await status.GetResponse<MediaStatus>(new GetMediaStatus(id))).Message.Found);
        Assert.True((await status.GetResponse<MediaStatus>(new GetMediaStatus(id, Messages.ClientId, "mod_0wner000"))).Message.Found);
        Assert.True((await status.GetResponse<MediaStatus>(new GetMediaStatus(id, "review-desk", "mod_d35k0000"))).Message.Found);

        var entry = Assert.Single((await AuditAsync($"?mediaId={id}")).Items);
        Assert.Equal((AuditActions.CrossTenantRead, "review-desk", "mod_d35k0000"), (entry.Action, entry.ClientId, entry.KeyId));
        Assert.Equal(("status", Messages.ClientId), (entry.Details.GetProperty("what").GetString(), entry.Details.GetProperty("owner").GetString()));
    }

    [Fact]
    public async Task Review_decisions_and_their_undo_are_recorded_in_the_medium_transaction()
    {
        var id = await DecidedMediumAsync(("Sexy", 0.6f));
        using var reviewer = App.Client(ResultsApp.ReviewerKey);
        var task = await Eventually.GetAsync(async () =>
        {
            using var response = await reviewer.GetAsync("/reviews/next");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<ClaimedReview>(ResultsApp.Json) : null;
        }, "a review task");
        Assert.Equal(id, task.MediaId);
        using var decided = await reviewer.PostAsJsonAsync($"/reviews/{task.TaskId}/decision",
            new ReviewDecisionRequest(Decision.Block, new() { ["Sexy"] = true }, "too much", 4, Blind: true), ResultsApp.Json);
        decided.EnsureSuccessStatusCode();
        using var undone = await reviewer.PostAsync($"/reviews/{task.TaskId}/undo", null);
        Assert.Equal(HttpStatusCode.NoContent, undone.StatusCode);

        var entries = (await AuditAsync($"?mediaId={id}")).Items;
        Assert.Equal([AuditActions.ReviewUndone, AuditActions.ReviewDecided, AuditActions.CrossTenantRead], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("reviewer-1", ReviewerKeyId), (e.ClientId, e.KeyId)));
        var decision = entries[1].Details;
        Assert.Equal((task.TaskId, "block", "review", "review"), (decision.GetProperty("taskId").GetGuid(), decision.GetProperty("decision").GetString(),
            decision.GetProperty("before").GetString(), decision.GetProperty("automatic").GetString()));
        Assert.Equal(("block", "review"), (entries[0].Details.GetProperty("undone").GetString(), entries[0].Details.GetProperty("restored").GetString()));
        Assert.Equal("review-task", entries[2].Details.GetProperty("what").GetString());
    }

    [Fact]
    public async Task Policy_changes_and_feedback_head_publish_and_withdraw_are_recorded()
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        using var created = await admin.PostAsJsonAsync("/policies",
            new PolicyRequest("audited", new() { ["Porn"] = 0.8f }, new() { ["Sexy"] = 0.4f }, true, "stricter"), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var policy = Assert.Single((await AuditAsync($"?action={AuditActions.PolicyChanged}")).Items, e => e.Details.GetProperty("name").GetString() == "audited");
        Assert.Equal(("admin", AdminKeyId, (Guid?)null), (policy.ClientId, policy.KeyId, policy.MediaId));
        Assert.Equal(1, policy.Details.GetProperty("version").GetInt32());
        Assert.Equal(0.8, policy.Details.GetProperty("block").GetProperty("Porn").GetDouble(), 3);

        var version = $"1.0.0+fb{Guid.NewGuid():N}";
        await App.QueryAsync(db =>
        {
            db.ModelHeads.Add(new ModelHead
            {
                Version = version, BaseModelName = "mobilenet_v2", BaseModelVersion = "1.0.0", HeadJson = "{}", ReportJson = "{}", CreatedAt = DateTimeOffset.UtcNow,
            });
            return db.SaveChangesAsync();
        });
        (await admin.PostAsync($"/models/heads/{version}/publish", null)).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/models/heads/{version}/withdraw", null)).EnsureSuccessStatusCode();
        var published = Assert.Single((await AuditAsync($"?action={AuditActions.HeadPublished}")).Items, e => e.Details.GetProperty("version").GetString() == version);
        var withdrawn = Assert.Single((await AuditAsync($"?action={AuditActions.HeadWithdrawn}")).Items, e => e.Details.GetProperty("version").GetString() == version);
        Assert.True(withdrawn.Id > published.Id);
        Assert.All(new[] { published, withdrawn }, e => Assert.Equal(("admin", AdminKeyId), (e.ClientId, e.KeyId)));
    }

    [Fact]
    public async Task The_log_is_append_only_and_read_by_administrators_only()
    {
        var id = await DecidedMediumAsync(("Drawing", 0.3f));
        (await App.Client(ResultsApp.AdminKey).GetAsync($"/media/{id}")).EnsureSuccessStatusCode();
        var entry = Assert.Single((await AuditAsync($"?mediaId={id}")).Items);

        await Assert.ThrowsAsync<PostgresException>(() => App.QueryAsync(db => db.Database.ExecuteSqlAsync($"UPDATE audit_log SET action = 'edited' WHERE id = {entry.Id}")));
        await Assert.ThrowsAsync<PostgresException>(() => App.QueryAsync(db => db.Database.ExecuteSqlAsync($"DELETE FROM audit_log WHERE id = {entry.Id}")));
        await Assert.ThrowsAsync<PostgresException>(() => App.QueryAsync(db => db.Database.ExecuteSqlRawAsync("TRUNCATE audit_log")));
        Assert.Equal(AuditActions.CrossTenantRead, await App.QueryAsync(db => db.AuditLog.Where(a => a.Id == entry.Id).Select(a => a.Action).SingleAsync()));

        Assert.Empty((await AuditAsync($"?mediaId={id}&since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}")).Items);
        Assert.Single((await AuditAsync($"?mediaId={id}&since={Uri.EscapeDataString(entry.At.AddSeconds(-1).ToString("O"))}")).Items);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Client(ResultsApp.ReadKey).GetAsync("/audit")).StatusCode);
        // Reviewers read the review desk's actions only: a cross-tenant read is not among them.
        var asReviewer = await App.Client(ResultsApp.ReviewerKey).GetFromJsonAsync<AuditPage>($"/audit?mediaId={id}", ResultsApp.Json);
        Assert.Empty(asReviewer!.Items);
    }

    [Fact]
    public async Task The_api_description_lists_the_audit_and_callback_endpoints()
    {
        using var anonymous = App.Client(null);
        var paths = (await anonymous.GetFromJsonAsync<System.Text.Json.JsonElement>("/openapi/v1.json")).GetProperty("paths");
        foreach (var path in new[] { "/audit", "/callbacks/failed", "/callbacks/{id}/redeliver" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is described");
        }
    }

    private Task<AuditPage> AuditAsync(string query) => App.GetAsync<AuditPage>("/audit" + query);

    private Task<Guid> DecidedMediumAsync(params (string Class, float Score)[] scores) => DecidedMediumAsync(Messages.ClientId, scores);

    private async Task<Guid> DecidedMediumAsync(string clientId, params (string Class, float Score)[] scores)
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, clientId: clientId));
        await App.Bus.Publish(Messages.Frame(id, 0, scores));
        await App.Bus.Publish(Messages.Completed(id, 1));
        await fixture.Probe.WaitAsync<VerdictReached>(id);
        return id;
    }
}
