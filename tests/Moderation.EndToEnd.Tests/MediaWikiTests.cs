using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.Testing;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// A real MediaWiki wired to the running cluster as a wiki administrator would wire it (integrations/mediawiki): the
/// extension submits each upload through the signed upload hook, ingest fetches the file back from the wiki on
/// loopback — allowed for the wiki's client only by the source allow-list, since loopback fetches are off as in
/// production — and results posts signed verdicts to the wiki's REST route. Everything is asserted through MediaWiki's
/// action API: categories, logs, and whether the file is there.
/// </summary>
public sealed class MediaWikiTests(ITestOutputHelper output) : OwnClusterTests
{
    private const string CallbackSecret = "wiki-callback-secret-0123456789abcdef";
    private const string ReviewCategory = "Files awaiting moderation review";
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    private Task<TestWiki>? _installing;
    private TestWiki? _wiki;

    [Fact]
    public async Task Upload_on_the_wiki_is_categorised_for_review_deleted_on_block_and_restored_when_a_moderator_allows_it()
    {
        var clock = Stopwatch.StartNew();
        using var ingest = Cluster.Client(Cluster.Ingest);
        using var results = Cluster.Client(Cluster.Results);
        using (var allowed = await ingest.PostAsJsonAsync("/admin/sources",
            new { clientId = ClusterFixture.WebhookClient, source = "127.0.0.1", reason = "the test wiki serves its files on loopback" }))
        {
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        }

        // Every medium is for review: one of the five classes always scores at least 0.2.
        await SetDefaultPolicyAsync(results, new { }, new Dictionary<string, float> { ["Drawing"] = 0.2f, ["Hentai"] = 0.2f, ["Neutral"] = 0.2f, ["Porn"] = 0.2f, ["Sexy"] = 0.2f });
        _wiki = await _installing!;
        await _wiki.ConfigureHookUrl(new Uri(Cluster.BaseAddress(Cluster.Ingest), "/hooks/upload"));
        await _wiki.StartAsync();
        var wiki = _wiki;
        output.WriteLine($"cluster and wiki ready: {clock.Elapsed.TotalSeconds:0.0} s");

        // review → the maintenance category and a moderation log entry.
        var reviewed = await wiki.UploadAsync(await TestMedia.PngAsync("lightsteelblue", 160 + Random.Shared.Next(100), 120), "Lightsteelblue_square.png");
        var started = clock.Elapsed;
        await WaitAsync(async () => (await wiki.CategoriesAsync(reviewed.Title)).Contains(ReviewCategory), "the review category on " + reviewed.Title);
        output.WriteLine($"review: category after {(clock.Elapsed - started).TotalSeconds:0.0} s");
        var reviewLog = Assert.Single(await wiki.LogAsync(reviewed.Title), e => e.Action == "moderation/review");
        Assert.Equal("Moderation bot", reviewLog.User);
        Assert.True(await wiki.FileExistsAsync(reviewed.Title));

        // A callback signed with another secret is refused and changes nothing.
        using (var forged = await wiki.PostCallbackAsync(
            $$"""{"event":"verdict.reached","occurredAt":"{{DateTimeOffset.UtcNow:O}}","externalId":"{{reviewed.ExternalId}}","decision":"block","byReviewer":true}""",
            "another-secret-0123456789abcdef0123"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        Assert.True(await wiki.FileExistsAsync(reviewed.Title));

        // block (a policy on the Drawing class, clip art) → the file is deleted, by the extension's user, and logged.
        await SetDefaultPolicyAsync(results, new Dictionary<string, float> { ["Drawing"] = 0.5f }, new { });
        var blocked = await wiki.UploadAsync(TestMedia.ClipArt(1)[0], "Clip_art_drawing.png");
        started = clock.Elapsed;
        await WaitAsync(async () => !await wiki.FileExistsAsync(blocked.Title), "the deletion of " + blocked.Title);
        output.WriteLine($"block: deleted after {(clock.Elapsed - started).TotalSeconds:0.0} s");
        var blockLog = await wiki.LogAsync(blocked.Title);
        Assert.Contains(blockLog, e => e.Action == "delete/delete" && e.User == "Moderation bot");
        var block = Assert.Single(blockLog, e => e.Action == "moderation/block");
        var blockedMedium = Guid.Parse(block.Parameters["mediaId"]!.GetValue<string>());

        // A moderator allows it: results sends the reviewer's verdict, and the wiki restores the file.
        var task = await ClaimReviewTaskAsync(results, blockedMedium);
        using (var decided = await results.PostAsJsonAsync($"/reviews/{task}/decision", new { decision = "allow", comment = "clip art, harmless" }))
        {
            Assert.True(decided.IsSuccessStatusCode, await decided.Content.ReadAsStringAsync());
        }

        started = clock.Elapsed;
        await WaitAsync(() => wiki.FileExistsAsync(blocked.Title), "the restoration of " + blocked.Title);
        output.WriteLine($"allow by a moderator: restored after {(clock.Elapsed - started).TotalSeconds:0.0} s; whole test {clock.Elapsed.TotalSeconds:0.0} s");
        var restoredLog = await wiki.LogAsync(blocked.Title);
        Assert.Contains(restoredLog, e => e.Action == "delete/restore" && e.User == "Moderation bot");
        var allow = Assert.Single(restoredLog, e => e.Action == "moderation/allow");
        Assert.Equal("1", allow.Parameters["byReviewer"]!.GetValue<string>());
        Assert.DoesNotContain(ReviewCategory, await wiki.CategoriesAsync(blocked.Title));
        Assert.True(await wiki.FileExistsAsync(reviewed.Title), "the file under review stays");
    }

    protected override Task PrepareAsync()
    {
        // The wiki installs (about 15 s) while the cluster starts.
        _installing = TestWiki.InstallAsync(ClusterFixture.WebhookClient, ClusterFixture.WebhookSecret, CallbackSecret);
        return Task.CompletedTask;
    }

    protected override async Task CleanUpAsync()
    {
        if (_wiki is null && _installing is not null)
        {
            _wiki = await _installing.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        }

        if (_wiki is not null)
        {
            await _wiki.DisposeAsync();
        }
    }

    protected override void Configure(string service, IDictionary<string, string> env)
    {
        if (service == Cluster.Ingest)
        {
            // As in production: only the wiki's allow-list entry lets ingest fetch from loopback.
            env["UrlFetch__AllowLoopback"] = "false";
        }

        if (service == Cluster.Results)
        {
            env[$"Callbacks__Clients__{ClusterFixture.WebhookClient}__Secret"] = CallbackSecret;
            // Every verdict, blocks included, gets a review task, so a moderator can overturn the block.
            env["Review__AuditSampleRate"] = "1";
        }
    }

    private static async Task SetDefaultPolicyAsync(HttpClient results, object block, object review)
    {
        using var created = await results.PostAsJsonAsync("/policies", new { name = "default", block, review, earlyExit = true, comment = "wiki test" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    /// <summary>Claims review tasks until the one of <paramref name="mediaId"/> comes, skipping the others.</summary>
    private static async Task<Guid> ClaimReviewTaskAsync(HttpClient results, Guid mediaId)
    {
        var deadline = DateTime.UtcNow + VerdictTimeout;
        while (DateTime.UtcNow < deadline)
        {
            using var next = await results.GetAsync("/reviews/next");
            if (next.StatusCode == HttpStatusCode.OK)
            {
                var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
                var taskId = Guid.Parse(task["taskId"]!.GetValue<string>());
                if (Guid.Parse(task["mediaId"]!.GetValue<string>()) == mediaId)
                {
                    return taskId;
                }

                (await results.PostAsync($"/reviews/{taskId}/skip", null)).Dispose();
                continue;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No review task for {mediaId} within {VerdictTimeout}.");
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            await ErasureTests.WaitUntilAsync(condition, what, VerdictTimeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{_wiki?.Diagnostics()}\ningest:\n{Cluster.Log(Cluster.Ingest, 30)}\nresults:\n{Cluster.Log(Cluster.Results, 30)}", e);
        }
    }
}
