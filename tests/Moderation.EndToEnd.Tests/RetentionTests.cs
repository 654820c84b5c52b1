using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.BlobStorage;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Retention through the running cluster: the client <see cref="ClusterFixture.RetentionClient"/> keeps originals and
/// frames for about ten seconds after the verdict; held media and media waiting for a reviewer keep theirs.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RetentionTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    private Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Retention_deletes_originals_and_frames_after_the_verdict_but_spares_held_media_and_media_under_review()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var key = (await Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", ClusterFixture.RetentionClient, "--scopes", "submit,read", "--quiet")).Trim();
        using var client = new IngestApi(new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Ingest), DefaultRequestHeaders = { { "X-Api-Key", key } } });
        using var results = Cluster.Client(Cluster.Results);
        var policy = "review-all-" + run;
        using (var created = await results.PostAsJsonAsync("/policies", new
        {
            name = policy,
            block = new Dictionary<string, float>(),
            review = new Dictionary<string, float> { ["Drawing"] = 0.01f, ["Hentai"] = 0.01f, ["Neutral"] = 0.01f, ["Porn"] = 0.01f, ["Sexy"] = 0.01f },
            earlyExit = false,
            comment = "every medium goes to review",
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        // Held: the hold is placed as soon as results knows the medium, well before retention could reach it.
        var held = await client.SubmitAcceptedAsync(await TestMedia.PngAsync("rosybrown", 200 + Random.Shared.Next(300), 140));
        await ErasureTests.WaitUntilAsync(async () => (await results.PutAsJsonAsync($"/media/{held}/legal-hold", new { reason = "litigation" })).IsSuccessStatusCode,
            "results to know the held medium", VerdictTimeout);
        var heldSha = (await client.WaitForEndAsync(held, VerdictTimeout))["sha256"]!.GetValue<string>();

        var (status, body, _) = await client.SubmitAsync(await TestMedia.PngAsync("peachpuff", 200 + Random.Shared.Next(300), 130), configure: r =>
            r.RequestUri = new Uri($"/media?policy={policy}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, status);
        var reviewed = Guid.Parse(body!["mediaId"]!.GetValue<string>());
        var reviewedEnd = await client.WaitForEndAsync(reviewed, VerdictTimeout);
        Assert.Equal("review", reviewedEnd["verdict"]!["decision"]!.GetValue<string>());
        var reviewedSha = reviewedEnd["sha256"]!.GetValue<string>();

        // Concluded last: once its blobs are gone, the sweep has seen the other two past their age as well.
        var videoPath = await TestMedia.VideoAsync(10, 240 + (2 * Random.Shared.Next(40)), 120, 10, 2);
        var video = await client.SubmitAcceptedAsync(videoPath);
        var videoSha = (await client.WaitForEndAsync(video, VerdictTimeout))["sha256"]!.GetValue<string>();
        Assert.NotEmpty(FramePaths(video));
        Assert.True(File.Exists(OriginalPath(videoSha)));

        await ErasureTests.WaitUntilAsync(() => Task.FromResult(FramePaths(video).Length == 0 && !File.Exists(OriginalPath(videoSha))),
            "retention to delete the video's frames and original", TimeSpan.FromMinutes(1));
        var details = JsonNode.Parse(await results.GetStringAsync($"/media/{video}"))!;
        Assert.NotNull(details["retention"]!["originalRemovedAt"]?.GetValue<DateTimeOffset>());
        Assert.NotNull(details["retention"]!["framesRemovedAt"]?.GetValue<DateTimeOffset>());
        Assert.Equal("completed", IngestApi.State(await client.StatusAsync(video)));

        Assert.True(File.Exists(OriginalPath(heldSha)), "a medium under legal hold keeps its original");
        Assert.True(File.Exists(OriginalPath(reviewedSha)), "a medium waiting for a reviewer keeps its original");
        var heldDetails = JsonNode.Parse(await results.GetStringAsync($"/media/{held}"))!;
        Assert.True(heldDetails["retention"]!["legalHold"]!.GetValue<bool>());
        Assert.Null(heldDetails["retention"]!["originalRemovedAt"]?.GetValue<DateTimeOffset?>());

        // The same bytes uploaded again (another client) reuse the verdict and are stored again: the new medium has an original.
        var otherKey = (await Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", "after-retention-" + run, "--scopes", "submit,read", "--quiet")).Trim();
        using var other = new IngestApi(new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Ingest), DefaultRequestHeaders = { { "X-Api-Key", otherKey } } });
        var (againStatus, again, _) = await other.SubmitAsync(videoPath);
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.True(again!["duplicate"]!.GetValue<bool>());
        Assert.True(File.Exists(OriginalPath(videoSha)), "a medium that reuses a verdict references the original like any other, so the bytes are kept");
    }

    private string OriginalPath(string sha256) => Path.Combine(Cluster.Directory, "blobs", BlobStorageExtensions.MediaKey(sha256));

    private string[] FramePaths(Guid id)
    {
        var directory = Path.Combine(Cluster.Directory, "blobs", BlobStorageExtensions.FramesPrefix(id));
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories) : [];
    }
}
