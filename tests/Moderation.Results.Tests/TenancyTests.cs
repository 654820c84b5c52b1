using System.Net;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Evaluation;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>A read key sees its own client's media only; reviewers and administrators see every client's.</summary>
public sealed class TenancyTests(AppWithBusFixture fixture) : IClassFixture<AppWithBusFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Read_key_gets_not_found_for_another_clients_medium_and_never_lists_it()
    {
        var own = await DecidedMediumAsync(Messages.ClientId);
        var others = await DecidedMediumAsync(Messages.OtherClientId);

        using var reader = App.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/media/{own.MediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/media/{own.MediaId}/frames")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{others.MediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{others.MediaId}/frames")).StatusCode);

        var listed = await App.GetAsync<MediaPage>($"/media?limit={MediaQueries.MaxPageSize}", ResultsApp.ReadKey);
        Assert.Contains(listed.Items, m => m.Id == own.MediaId);
        Assert.DoesNotContain(listed.Items, m => m.Id == others.MediaId);
        Assert.Empty((await App.GetAsync<MediaPage>($"/media?sha256={others.Sha256}", ResultsApp.ReadKey)).Items);
        Assert.Empty((await App.GetAsync<MediaPage>($"/media?externalId={Uri.EscapeDataString(others.ExternalId!)}", ResultsApp.ReadKey)).Items);

        // The other client's own key sees it, and its reader cannot see the first client's medium either.
        Assert.Equal(others.MediaId, (await App.GetAsync<MediaDetails>($"/media/{others.MediaId}", ResultsApp.OtherClientReadKey)).Id);
        using var otherReader = App.Client(ResultsApp.OtherClientReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherReader.GetAsync($"/media/{own.MediaId}")).StatusCode);
    }

    [Fact]
    public async Task Reviewers_and_administrators_see_every_clients_media()
    {
        var own = await DecidedMediumAsync(Messages.ClientId);
        var others = await DecidedMediumAsync(Messages.OtherClientId);
        foreach (var key in new[] { ResultsApp.ReviewerKey, ResultsApp.AdminKey })
        {
            Assert.Equal(others.MediaId, (await App.GetAsync<MediaDetails>($"/media/{others.MediaId}", key)).Id);
            Assert.Single(await App.GetAsync<List<FrameView>>($"/media/{others.MediaId}/frames", key));
            var listed = await App.GetAsync<MediaPage>($"/media?limit={MediaQueries.MaxPageSize}", key);
            Assert.Contains(listed.Items, m => m.Id == own.MediaId);
            Assert.Contains(listed.Items, m => m.Id == others.MediaId);
        }
    }

    [Fact]
    public async Task Identical_content_of_another_client_is_recorded_as_its_own_medium_with_a_copy_of_the_verdict()
    {
        var source = await DecidedMediumAsync(Messages.ClientId);
        var reuse = Reuse(source, Messages.OtherClientId, "File:Mine.png");
        var answer = await AskAsync<ReuseVerdict>(reuse);
        Assert.True(answer.Found);
        Assert.Equal((reuse.MediaId, MediaStates.Completed, "File:Mine.png"), (answer.MediaId, answer.State, answer.ExternalId));
        Assert.Equal(Decision.Allow, answer.Verdict!.Decision);

        var own = await App.GetAsync<MediaDetails>($"/media/{reuse.MediaId}", ResultsApp.OtherClientReadKey);
        Assert.Equal((Messages.OtherClientId, "File:Mine.png", source.Sha256), (own.ClientId, own.ExternalId, own.Sha256));
        var original = await App.GetAsync<MediaDetails>($"/media/{source.MediaId}");
        Assert.Equal(original.Verdict!.Maxima, own.Verdict!.Maxima);
        Assert.Equal(original.LiveMaxima, own.LiveMaxima);
        Assert.Single(await App.GetAsync<List<FrameView>>($"/media/{reuse.MediaId}/frames", ResultsApp.OtherClientReadKey));
        using var otherReader = App.Client(ResultsApp.OtherClientReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherReader.GetAsync($"/media/{source.MediaId}")).StatusCode);
        Assert.Equal([reuse.MediaId], (await App.GetAsync<MediaPage>($"/media?sha256={source.Sha256}", ResultsApp.OtherClientReadKey)).Items.Select(m => m.Id));

        // Idempotent on the new id; the next lookup of that client finds its own copy, a third client never sees an external id.
        Assert.Equal(reuse.MediaId, (await AskAsync<ReuseVerdict>(reuse)).MediaId);
        Assert.Equal(2, await App.QueryAsync(db => db.Media.CountAsync(m => m.Sha256 == source.Sha256)));
        Assert.Equal(reuse.MediaId, (await AskAsync(new FindVerdictByContent(source.Sha256!, null, Messages.OtherClientId))).MediaId);
        var stranger = await AskAsync(new FindVerdictByContent(source.Sha256!, null, "client-3"));
        Assert.True(stranger.Found);
        Assert.Null(stranger.ExternalId);
    }

    [Fact]
    public async Task A_verdict_still_waiting_for_a_reviewer_is_not_copied()
    {
        var source = await DecidedMediumAsync(Messages.ClientId, ("Sexy", 0.6f));
        var answer = await AskAsync<ReuseVerdict>(Reuse(source, Messages.OtherClientId, null));
        Assert.False(answer.Found);
        Assert.Equal(1, await App.QueryAsync(db => db.Media.CountAsync(m => m.Sha256 == source.Sha256)));
    }

    [Fact]
    public async Task Statistics_and_evaluation_of_a_read_key_cover_its_own_client_and_a_cross_tenant_read_is_audited()
    {
        // Each client: a medium allowed, one sent to review and reviewed (blocked), one failed.
        foreach (var client in new[] { Messages.ClientId, Messages.OtherClientId })
        {
            await DecidedMediumAsync(client);
            await DecidedMediumAsync(client, ("Sexy", 0.6f));
            var failed = Guid.NewGuid();
            await App.Bus.Publish(Messages.Submitted(failed, clientId: client));
            await App.Bus.Publish(new MediaFailed(failed, failed, FailureReasons.Unreadable, "unreadable", "frame-extractor", DateTimeOffset.UtcNow));
            await Eventually.TrueAsync(() => App.QueryAsync(db => db.Media.AnyAsync(m => m.Id == failed && m.State == MediaStates.Failed)), "the failed medium");
        }

        await Reviewer.ReviewAllAsync(App, _ => (Decision.Block, new Dictionary<string, bool> { ["Sexy"] = true }));

        foreach (var (key, client) in new[] { (ResultsApp.ReadKey, Messages.ClientId), (ResultsApp.OtherClientReadKey, Messages.OtherClientId) })
        {
            var expected = await CountsAsync(client);
            Assert.Equal(expected, Sum(await App.GetAsync<StatsOverview>("/stats/overview?hours=24", key)));
            Assert.Equal(expected.Reviewed, (await App.GetAsync<EvaluationReport>("/evaluation", key)).ReviewedMedia);
            var other = client == Messages.ClientId ? Messages.OtherClientId : Messages.ClientId;
            using var reader = App.Client(key);
            foreach (var path in new[] { "/stats/overview", "/evaluation", "/evaluation/recommendation?class=Sexy&targetRecall=0.9", "/callbacks/failed" })
            {
                using var refused = await reader.GetAsync($"{path}{(path.Contains('?') ? '&' : '?')}clientId={other}");
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }
        }

        var all = await CountsAsync(null);
        Assert.True(all.Reviewed > (await CountsAsync(Messages.ClientId)).Reviewed);
        var audited = await App.QueryAsync(db => db.AuditLog.CountAsync(e => e.Action == AuditActions.CrossTenantAggregate));
        Assert.Equal(all, Sum(await App.GetAsync<StatsOverview>("/stats/overview?hours=24", ResultsApp.ReviewerKey)));
        Assert.Equal(all.Reviewed, (await App.GetAsync<EvaluationReport>("/evaluation", ResultsApp.AdminKey)).ReviewedMedia);
        Assert.Equal(await CountsAsync(Messages.OtherClientId),
            Sum(await App.GetAsync<StatsOverview>($"/stats/overview?hours=24&clientId={Messages.OtherClientId}", ResultsApp.AdminKey)));
        var entries = await App.QueryAsync(db => db.AuditLog.Where(e => e.Action == AuditActions.CrossTenantAggregate).OrderBy(e => e.Id).Skip(audited).ToListAsync());
        Assert.Equal([("reviewer-1", "stats/overview", "*"), ("admin", "evaluation", "*"), ("admin", "stats/overview", Messages.OtherClientId)],
            entries.Select(e => (e.ClientId, JsonNode.Parse(e.Details)!["what"]!.GetValue<string>(), JsonNode.Parse(e.Details)!["client"]!.GetValue<string>())));
    }

    private static Counts Sum(StatsOverview stats) => new(stats.Buckets.Sum(b => b.Allowed), stats.Buckets.Sum(b => b.Review), stats.Buckets.Sum(b => b.Blocked),
        stats.Buckets.Sum(b => b.Failed), stats.Buckets.Sum(b => b.Reviewed));

    /// <summary>What the statistics must show for a client (null: every client), counted in the database.</summary>
    private Task<Counts> CountsAsync(string? client) => App.QueryAsync(async db =>
    {
        var media = db.Media.Where(m => client == null || m.ClientId == client);
        var verdicts = db.Verdicts.Where(v => media.Any(m => m.Id == v.MediaId));
        return new Counts(
            await verdicts.CountAsync(v => v.Decision == Decision.Allow),
            await verdicts.CountAsync(v => v.Decision == Decision.Review),
            await verdicts.CountAsync(v => v.Decision == Decision.Block),
            await media.CountAsync(m => m.State == MediaStates.Failed),
            await db.ReviewFeedback.CountAsync(f => media.Any(m => m.Id == f.MediaId)));
    });

    private sealed record Counts(int Allowed, int Review, int Blocked, int Failed, int Reviewed);

    private static ReuseVerdict Reuse(MediaSubmitted source, string clientId, string? externalId) =>
        new(Guid.NewGuid(), source.MediaId, Guid.NewGuid(), source.Sha256!, "image/png", 1234, externalId, SubmissionPriority.Normal, null, clientId,
            DateTimeOffset.UtcNow);

    private async Task<MediaStatus> AskAsync<T>(T request)
        where T : class =>
        (await App.Bus.CreateRequestClient<T>().GetResponse<MediaStatus>(request)).Message;

    private async Task<MediaSubmitted> DecidedMediumAsync(string clientId, params (string Class, float Score)[] scores)
    {
        var id = Guid.NewGuid();
        var submitted = Messages.Submitted(id, externalId: $"File:{clientId}-{id}.png", clientId: clientId);
        await App.Bus.Publish(submitted);
        await App.Bus.Publish(Messages.Frame(id, 0, scores.Length > 0 ? scores : [("Drawing", 0.2f)]));
        await App.Bus.Publish(Messages.Completed(id, 1));
        await fixture.Probe.WaitAsync<VerdictReached>(id);
        return submitted;
    }
}
