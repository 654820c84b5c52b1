using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MassTransit;
using Moderation.Auth;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Ingest.Apis;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

public sealed class SubmissionTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Raw_upload_is_stored_by_content_and_published_after_it_is_durable()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(120, 90));
        var sha = Convert.ToHexStringLower(SHA256.HashData(jpeg));

        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:Raw.jpg/1&priority=bulk&callbackUrl=https://cb.example/v", Http.Bytes(jpeg));
        var accepted = await Http.AssertAcceptedAsync(response);

        Assert.Equal(sha, accepted.Sha256);
        Assert.Equal(jpeg.Length, accepted.SizeBytes);
        Assert.Equal("image/jpeg", accepted.ContentType);
        Assert.False(accepted.Duplicate);
        var (message, priority) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
        Assert.Equal(BlobStorageExtensions.MediaKey(sha), message.BlobKey);
        Assert.Equal(jpeg, await File.ReadAllBytesAsync(Path.Combine(ingest.BlobRoot, message.BlobKey!)));
        Assert.Equal(sha, message.Sha256);
        Assert.Equal("File:Raw.jpg/1", message.ExternalId);
        Assert.Equal("https://cb.example/v", message.CallbackUrl);
        Assert.Equal("tests", message.ClientId);
        Assert.Equal(SubmissionPriority.Bulk, message.Priority);
        Assert.Equal(0, priority);
        Assert.DoesNotContain(ingest.StoredBlobs(), b => b.StartsWith("incoming/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Multipart_upload_takes_metadata_from_fields_before_the_file()
    {
        var gif = await File.ReadAllBytesAsync(await TestMedia.GifAsync(1));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("File:Anim.gif/7"), "externalId" },
            { new StringContent("urgent"), "priority" },
            { Http.Bytes(gif, "image/gif"), "file", "anim.gif" },
        };
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", form);
        var accepted = await Http.AssertAcceptedAsync(response);

        var (message, priority) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
        Assert.Equal("File:Anim.gif/7", message.ExternalId);
        Assert.Equal(SubmissionPriority.Urgent, message.Priority);
        Assert.Equal(9, priority);
        Assert.Equal(gif.Length, message.SizeBytes);
    }

    [Fact]
    public async Task Identical_content_already_judged_for_another_client_gets_its_own_medium_with_the_verdict_without_publishing()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("gold", 33, 21));
        var sha = Convert.ToHexStringLower(SHA256.HashData(png));
        // Another client uploaded the bytes first, and results judged them.
        using var first = await ingest.Client(await ingest.CreateKeyAsync("other-wiki", ModerationScopes.Submit, ModerationScopes.Read)).PostAsync("/media?externalId=File:Old.png/1", Http.Bytes(png));
        var judged = (await Http.AssertAcceptedAsync(first)).MediaId;
        var verdict = new MediaVerdict(Decision.Allow, [new ClassMaximum("Neutral", 0.97f, 0, 0)], "mobilenet_v2", "1.0.0", "default", 1, false, false, DateTimeOffset.UtcNow);
        var status = new MediaStatus(judged, true, MediaStates.Completed, "File:Old.png/1", sha, 1, 1, 1, verdict, null);
        ingest.Pipeline.State.VerdictsBySha256[sha] = status;
        ingest.Pipeline.State.Statuses[judged] = status;
        // The first upload's MediaSubmitted reaches the stub asynchronously: count only once it has arrived.
        await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == judged);
        var before = ingest.Pipeline.State.Submitted.Count;

        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:Copy.png/1", Http.Bytes(png));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var duplicate = await Http.ReadAsync<SubmissionResponse>(response);
        Assert.True(duplicate.Duplicate);
        Assert.NotEqual(judged, duplicate.MediaId);
        Assert.Equal("File:Copy.png/1", duplicate.ExternalId);
        Assert.Equal(MediaStates.Completed, duplicate.Status);
        Assert.Equal(Decision.Allow, duplicate.Verdict!.Decision);
        Assert.Equal($"/media/{duplicate.MediaId}", response.Headers.Location?.OriginalString);
        var reuse = Assert.Single(ingest.Pipeline.State.Reuses, r => r.MediaId == duplicate.MediaId);
        Assert.Equal((judged, sha, "File:Copy.png/1"), (reuse.SourceMediaId, reuse.Sha256, reuse.ExternalId));

        // The client follows its own medium; the other client's stays invisible to it.
        var read = await Http.ReadAsync<MediaStatusResponse>(await ingest.Client(ingest.SubmitKey).GetAsync($"/media/{duplicate.MediaId}"));
        Assert.Equal((MediaStates.Completed, "File:Copy.png/1"), (read.State, read.ExternalId));
        Assert.Equal(HttpStatusCode.NotFound, (await ingest.Client(ingest.SubmitKey).GetAsync($"/media/{judged}")).StatusCode);

        // Results now finds the client's own copy first: the same bytes again are answered with it, not another copy.
        ingest.Pipeline.State.VerdictsBySha256[sha] = status with { MediaId = duplicate.MediaId };
        using var third = await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:Copy.png/2", Http.Bytes(png));
        Assert.Equal(duplicate.MediaId, (await Http.ReadAsync<SubmissionResponse>(third)).MediaId);

        Assert.Equal(before, ingest.Pipeline.State.Submitted.Count);
        Assert.Single(ingest.Pipeline.State.SubmittedFor(judged));
    }

    [Fact]
    public async Task Content_ingest_never_received_is_accepted_without_asking_results()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("orchid", 29, 23));
        var sha = Convert.ToHexStringLower(SHA256.HashData(png));
        // Results would call it judged (as for a medium published straight to the broker); ingest never saw the bytes.
        var status = new MediaStatus(Guid.NewGuid(), true, MediaStates.Completed, null, sha, 1, 1, 1,
            new MediaVerdict(Decision.Allow, [new ClassMaximum("Neutral", 0.9f, 0, 0)], "mobilenet_v2", "1.0.0", "default", 1, false, false, DateTimeOffset.UtcNow), null);
        ingest.Pipeline.State.VerdictsBySha256[sha] = status;
        var asked = ingest.Pipeline.State.VerdictQueries;

        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes(png));

        Assert.False((await Http.AssertAcceptedAsync(response)).Duplicate);
        Assert.Equal(asked, ingest.Pipeline.State.VerdictQueries);
    }

    [Fact]
    public async Task Content_that_is_still_unjudged_is_classified()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("plum", 35, 21));
        var sha = Convert.ToHexStringLower(SHA256.HashData(png));
        ingest.Pipeline.State.VerdictsBySha256[sha] = new MediaStatus(Guid.NewGuid(), true, MediaStates.Processing, null, sha, 3, 1, 0.3, null, null);

        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes(png));
        var accepted = await Http.AssertAcceptedAsync(response);
        await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
    }

    [Fact]
    public async Task Retry_with_the_same_idempotency_key_gets_the_same_answer_and_publishes_once()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(100, 60));
        var key = Guid.NewGuid().ToString();
        using var client = ingest.Client(ingest.SubmitKey);
        client.DefaultRequestHeaders.Add("Idempotency-Key", key);

        var first = await Http.AssertAcceptedAsync(await client.PostAsync("/media", Http.Bytes(jpeg)));
        var second = await Http.AssertAcceptedAsync(await client.PostAsync("/media", Http.Bytes(jpeg)));

        Assert.Equal(first.MediaId, second.MediaId);
        await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == first.MediaId);
        await Task.Delay(1000);
        Assert.Single(ingest.Pipeline.State.SubmittedFor(first.MediaId));
    }

    [Fact]
    public async Task Same_idempotency_key_from_another_client_is_a_different_submission()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(100, 62));
        var key = Guid.NewGuid().ToString();
        var other = await ingest.CreateKeyAsync("other-client", ModerationScopes.Submit);
        using var mine = ingest.Client(ingest.SubmitKey);
        using var theirs = ingest.Client(other);
        mine.DefaultRequestHeaders.Add("Idempotency-Key", key);
        theirs.DefaultRequestHeaders.Add("Idempotency-Key", key);

        var a = await Http.AssertAcceptedAsync(await mine.PostAsync("/media", Http.Bytes(jpeg)));
        var b = await Http.AssertAcceptedAsync(await theirs.PostAsync("/media", Http.Bytes(jpeg)));
        Assert.NotEqual(a.MediaId, b.MediaId);
    }

    [Fact]
    public async Task Concurrent_retries_accept_once()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("salmon", 41, 23));
        var externalId = $"File:Race_{Guid.NewGuid():N}.png/1";
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ingest.Client(ingest.SubmitKey).PostAsync($"/media?externalId={externalId}", Http.Bytes(png))));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
        var ids = new HashSet<Guid>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
        {
            ids.Add((await Http.ReadAsync<SubmissionResponse>(response)).MediaId);
        }

        Assert.Single(ids);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await Http.AssertProblemAsync(conflict, HttpStatusCode.Conflict, Problems.IdempotencyConflict);
            Assert.NotNull(conflict.Headers.RetryAfter);
        }

        await Task.Delay(1000);
        Assert.Single(ingest.Pipeline.State.Submitted, s => s.Message.ExternalId == externalId);
    }

    [Fact]
    public async Task Status_comes_from_results_and_is_visible_to_the_submitter_and_to_cross_tenant_scopes_only()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(80, 80));
        var accepted = await Http.AssertAcceptedAsync(await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:S.jpg/1", Http.Bytes(jpeg)));
        using var client = ingest.Client(ingest.SubmitKey);

        var pending = await Http.ReadAsync<MediaStatusResponse>(await client.GetAsync(accepted.StatusUrl));
        Assert.Equal(MediaStates.Pending, pending.State);
        Assert.Equal("File:S.jpg/1", pending.ExternalId);

        ingest.Pipeline.State.Statuses[accepted.MediaId] = new MediaStatus(accepted.MediaId, true, MediaStates.Processing, "File:S.jpg/1", accepted.Sha256, 10, 4, 0.4, null, null);
        var processing = await Http.ReadAsync<MediaStatusResponse>(await client.GetAsync(accepted.StatusUrl));
        Assert.Equal(MediaStates.Processing, processing.State);
        Assert.Equal(0.4, processing.Progress);
        Assert.Equal(4, processing.FramesScored);

        var stranger = await ingest.CreateKeyAsync("stranger", ModerationScopes.Read);
        using var hidden = await ingest.Client(stranger).GetAsync(accepted.StatusUrl);
        await Http.AssertProblemAsync(hidden, HttpStatusCode.NotFound, Problems.NotFound);

        // review is a cross-tenant scope and implies read: a reviewer's key alone reads any client's medium.
        var reviewer = await ingest.CreateKeyAsync("moderators", ModerationScopes.Review);
        var seen = await Http.ReadAsync<MediaStatusResponse>(await ingest.Client(reviewer).GetAsync(accepted.StatusUrl));
        Assert.Equal((accepted.MediaId, MediaStates.Processing), (seen.MediaId, seen.State));
    }

    [Fact]
    public async Task By_url_submission_fetches_from_the_loopback_server()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("coral", 64, 40));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png));
        using var response = await ingest.Client(ingest.SubmitKey).PostAsJsonAsync("/media:by-url", new { url, externalId = "File:U.png/1" });
        var accepted = await Http.AssertAcceptedAsync(response);
        var (message, _) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
        Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(ingest.BlobRoot, message.BlobKey!)));
    }

    [Fact]
    public async Task By_url_to_the_metadata_service_is_refused_without_connecting()
    {
        ingest.Dns.Answer("imds.attacker.test", "169.254.169.254");
        var attempts = ingest.Connector.Attempts.Count;
        using var response = await ingest.Client(ingest.SubmitKey).PostAsJsonAsync("/media:by-url", new { url = "http://imds.attacker.test/latest/meta-data/iam" });
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.ForbiddenUrl);
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);
    }

    [Fact]
    public async Task By_url_redirecting_to_a_private_address_is_refused()
    {
        var url = ingest.MediaServer.Url("/redirect?to=" + Uri.EscapeDataString("http://10.9.8.7/secret.png"));
        using var response = await ingest.Client(ingest.SubmitKey).PostAsJsonAsync("/media:by-url", new { url });
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.ForbiddenUrl);
        Assert.DoesNotContain(ingest.Connector.Attempts, a => !IPAddress.IsLoopback(a.Address));
    }

    [Fact]
    public async Task By_url_serving_a_playlist_is_415()
    {
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve("#EXTM3U\n#EXTINF:1,\nhttp://10.0.0.1/x.ts\n"u8.ToArray()));
        using var response = await ingest.Client(ingest.SubmitKey).PostAsJsonAsync("/media:by-url", new { url });
        await Http.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaType);
    }

    [Fact]
    public async Task SubmitMediaByUrl_is_fetched_and_published_as_MediaSubmitted_with_its_blob()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(70, 50));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(jpeg));
        var mediaId = NewId.NextGuid();
        await ingest.Pipeline.Bus.Publish(new SubmitMediaByUrl(mediaId, Guid.NewGuid(), url.ToString(), "File:Direct.jpg/3", "https://cb.example/direct",
            SubmissionPriority.Urgent, "strict", "wiki-direct", DateTimeOffset.UtcNow));

        await AssertFetchedAndStoredAsync(mediaId, url, jpeg, "strict");
    }

    [Fact]
    public async Task A_url_only_MediaSubmitted_of_the_previous_format_is_still_fetched_while_deployments_roll()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(60, 40));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(jpeg));
        var mediaId = NewId.NextGuid();
        await ingest.Pipeline.Bus.Publish(new MediaSubmitted(mediaId, Guid.NewGuid(), null, url.ToString(), null, null, 0, "File:Direct.jpg/3",
            "https://cb.example/direct", SubmissionPriority.Urgent, null, "wiki-direct", DateTimeOffset.UtcNow));

        await AssertFetchedAndStoredAsync(mediaId, url, jpeg, null);
    }

    private async Task AssertFetchedAndStoredAsync(Guid mediaId, Uri url, byte[] jpeg, string? policy)
    {
        var (stored, priority) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == mediaId && m.BlobKey is not null);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(jpeg)), stored.Sha256);
        Assert.Equal("image/jpeg", stored.ContentType);
        Assert.Equal(jpeg.Length, stored.SizeBytes);
        Assert.Equal(("File:Direct.jpg/3", "https://cb.example/direct", policy, "wiki-direct", url.ToString()),
            (stored.ExternalId, stored.CallbackUrl, stored.Policy, stored.ClientId, stored.SourceUrl));
        Assert.Equal(9, priority);
        Assert.Equal(jpeg, await File.ReadAllBytesAsync(Path.Combine(ingest.BlobRoot, stored.BlobKey!)));
        await Task.Delay(500);
        Assert.Single(ingest.Pipeline.State.SubmittedFor(mediaId), m => m.BlobKey is not null);
    }

    [Fact]
    public async Task Direct_publish_with_a_forbidden_source_url_ends_in_MediaFailed()
    {
        var mediaId = NewId.NextGuid();
        await ingest.Pipeline.Bus.Publish(new SubmitMediaByUrl(mediaId, Guid.NewGuid(), "http://192.168.10.1/x.jpg", null, null,
            SubmissionPriority.Normal, null, "wiki-direct", DateTimeOffset.UtcNow));

        var failed = await ingest.Pipeline.State.WaitForFailedAsync(mediaId);
        Assert.Equal(FailureReasons.ForbiddenReference, failed.Reason);
        Assert.Equal("ingest", failed.Stage);
        Assert.DoesNotContain(ingest.Pipeline.State.SubmittedFor(mediaId), m => m.BlobKey is not null);
    }
}
