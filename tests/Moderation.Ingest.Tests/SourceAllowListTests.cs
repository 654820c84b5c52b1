using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Apis;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>Ingest as in production: loopback is refused to every client unless its allow-list opens it.</summary>
public sealed class NoLoopbackIngestFixture : IngestFixture
{
    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?> { ["UrlFetch:AllowLoopback"] = "false" };
}

/// <summary>
/// The per-client source allow-list through the admin API and every way a URL reaches the fetcher (by-url, the upload
/// hook, <see cref="SubmitMediaByUrl"/>): an entry opens its source for its client only, revoking closes it again,
/// and the list keeps who did what.
/// </summary>
public sealed class SourceAllowListTests(NoLoopbackIngestFixture ingest) : IClassFixture<NoLoopbackIngestFixture>
{
    [Fact]
    public async Task Allow_list_entry_opens_a_loopback_source_for_its_client_until_revoked_and_keeps_the_history()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var admin = await ingest.CreateKeyAsync("ops-" + run, ModerationScopes.Admin);
        var wikiKey = await ingest.CreateKeyAsync("wiki-" + run, ModerationScopes.Submit);
        var otherKey = await ingest.CreateKeyAsync("other-" + run, ModerationScopes.Submit);
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("khaki", 48 + Random.Shared.Next(40), 32));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png));

        var attempts = ingest.Connector.Attempts.Count;
        await AssertRefusedAsync(wikiKey, url, "before any entry");
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);

        using var created = await ingest.Client(admin).PostAsJsonAsync("/admin/sources",
            new { clientId = "wiki-" + run, source = "127.0.0.1", reason = "test wiki on this machine" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var entry = await Http.ReadAsync<SourceAllowanceResponse>(created);
        Assert.Equal("127.0.0.1/32", entry.Source);
        Assert.StartsWith($"ops-{run} (mod_", entry.CreatedBy, StringComparison.Ordinal);

        using (var accepted = await ingest.Client(wikiKey).PostAsJsonAsync("/media:by-url", new { url }))
        {
            var submission = await Http.AssertAcceptedAsync(accepted);
            var (message, _) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == submission.MediaId);
            Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(ingest.BlobRoot, message.BlobKey!)));
        }

        // Another client's URL to the same source is still refused, and never dialled.
        attempts = ingest.Connector.Attempts.Count;
        await AssertRefusedAsync(otherKey, url, "for a client without the entry");
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);

        using (var revoked = await ingest.Client(admin).DeleteAsync($"/admin/sources/{entry.Id}?reason=wiki%20moved"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        await AssertRefusedAsync(wikiKey, ingest.MediaServer.Url(ingest.MediaServer.Serve(png[..^1])), "after revoking");
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);

        var active = await Http.ReadAsync<List<SourceAllowanceResponse>>(await ingest.Client(admin).GetAsync($"/admin/sources?clientId=wiki-{run}"));
        Assert.Empty(active);
        var history = Assert.Single(await Http.ReadAsync<List<SourceAllowanceResponse>>(
            await ingest.Client(admin).GetAsync($"/admin/sources?clientId=wiki-{run}&includeRevoked=true")));
        Assert.Equal(("test wiki on this machine", "wiki moved"), (history.Reason, history.RevokeReason));
        Assert.StartsWith($"ops-{run} (mod_", history.RevokedBy, StringComparison.Ordinal);
        Assert.NotNull(history.RevokedAt);
    }

    [Fact]
    public async Task Upload_hook_and_direct_publishing_fetch_through_the_clients_allow_list()
    {
        var admin = await ingest.CreateKeyAsync("ops", ModerationScopes.Admin);
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("plum", 40 + Random.Shared.Next(40), 30));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png));
        string Hook() => JsonSerializer.Serialize(new { url = url.ToString(), externalId = $"File:Allowed_{Guid.NewGuid():N}.png/1" });

        using (var refused = await ingest.Client().SendAsync(IngestFixture.SignedHook(Hook())))
        {
            await Http.AssertProblemAsync(refused, HttpStatusCode.BadRequest, Problems.ForbiddenUrl);
        }

        ingest.Dns.Answer("wiki.hook.test", "127.0.0.1");
        using (var created = await ingest.Client(admin).PostAsJsonAsync("/admin/sources",
            new { clientId = IngestFixture.WebhookClient, source = "wiki.hook.test", reason = "the wiki's host name" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png), "wiki.hook.test");
        using (var accepted = await ingest.Client().SendAsync(IngestFixture.SignedHook(Hook())))
        {
            await Http.AssertAcceptedAsync(accepted);
        }

        // The same host for a direct publisher of another client ends in MediaFailed, for this client's in a stored medium.
        var refusedId = NewId.NextGuid();
        await ingest.Pipeline.Bus.Publish(new SubmitMediaByUrl(refusedId, Guid.NewGuid(), url.ToString(), null, null,
            SubmissionPriority.Normal, null, "someone-else", DateTimeOffset.UtcNow));
        var failed = await ingest.Pipeline.State.WaitForFailedAsync(refusedId);
        Assert.Equal(FailureReasons.ForbiddenReference, failed.Reason);

        var allowedId = NewId.NextGuid();
        await ingest.Pipeline.Bus.Publish(new SubmitMediaByUrl(allowedId, Guid.NewGuid(), url.ToString(), null, null,
            SubmissionPriority.Normal, null, IngestFixture.WebhookClient, DateTimeOffset.UtcNow));
        await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == allowedId);
    }

    [Fact]
    public async Task Entries_from_the_command_line_open_and_close_the_source_like_the_apis()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var admin = await ingest.CreateKeyAsync("ops-" + run, ModerationScopes.Admin);
        var wikiKey = await ingest.CreateKeyAsync("wiki-" + run, ModerationScopes.Submit);
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("olive", 48 + Random.Shared.Next(40), 32));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png));
        await AssertRefusedAsync(wikiKey, url, "before any entry");

        var (code, stdout, stderr) = await CommandLineTests.RunAsync(ingest.DatabaseConnectionString,
            "sources", "add", "--client", "wiki-" + run, "--source", "127.0.0.0/8", "--reason", "test wiki", "--by", "alice");
        Assert.True(code == 0, stderr);
        var id = Guid.Parse(stdout.Trim());

        using (var accepted = await ingest.Client(wikiKey).PostAsJsonAsync("/media:by-url", new { url }))
        {
            var submission = await Http.AssertAcceptedAsync(accepted);
            await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == submission.MediaId);
        }

        var (removeCode, _, removeError) = await CommandLineTests.RunAsync(ingest.DatabaseConnectionString, "sources", "remove", id.ToString(), "--reason", "done", "--by", "bob");
        Assert.True(removeCode == 0, removeError);
        var attempts = ingest.Connector.Attempts.Count;
        await AssertRefusedAsync(wikiKey, ingest.MediaServer.Url(ingest.MediaServer.Serve(png[..^1])), "after the command line revoked it");
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);

        var history = Assert.Single(await Http.ReadAsync<List<SourceAllowanceResponse>>(
            await ingest.Client(admin).GetAsync($"/admin/sources?clientId=wiki-{run}&includeRevoked=true")));
        Assert.Equal((id, "127.0.0.0/8", "test wiki", "alice (command line)", "bob (command line)", "done"),
            (history.Id, history.Source, history.Reason, history.CreatedBy, history.RevokedBy, history.RevokeReason));
    }

    [Fact]
    public async Task Only_administrators_change_the_allow_list_and_bad_entries_are_refused()
    {
        var admin = await ingest.CreateKeyAsync("ops", ModerationScopes.Admin);
        var submitter = await ingest.CreateKeyAsync("wiki-x", ModerationScopes.Submit, ModerationScopes.Read, ModerationScopes.Review);
        using (var forbidden = await ingest.Client(submitter).PostAsJsonAsync("/admin/sources", new { clientId = "wiki-x", source = "10.0.0.0/8", reason = "mine" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        foreach (var (source, reason) in new[] { ("169.254.169.254", "metadata"), ("0.0.0.0/0", "everything"), ("8.8.8.8", "public"), ("10.0.0.0/8", "") })
        {
            using var invalid = await ingest.Client(admin).PostAsJsonAsync("/admin/sources", new { clientId = "wiki-x", source, reason });
            await Http.AssertProblemAsync(invalid, HttpStatusCode.BadRequest, Problems.InvalidRequest);
        }

        Assert.Empty(await Http.ReadAsync<List<SourceAllowanceResponse>>(await ingest.Client(admin).GetAsync("/admin/sources?clientId=wiki-x&includeRevoked=true")));
    }

    private async Task AssertRefusedAsync(string key, Uri url, string when)
    {
        using var response = await ingest.Client(key).PostAsJsonAsync("/media:by-url", new { url });
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{when}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.ForbiddenUrl);
    }
}
