using System.Net;
using System.Text.Json.Nodes;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>Two clients on one cluster: identical bytes are judged once, yet each client sees only its own record.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TenancyTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Identical_bytes_from_two_clients_reuse_the_verdict_but_each_client_sees_only_its_own_medium()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var first = await ClientAsync("first-" + run);
        using var second = await ClientAsync("second-" + run);
        var png = await TestMedia.PngAsync("mediumpurple", 310, 190);

        var (firstStatus, firstBody, _) = await first.SubmitAsync(png, "first.png", r => r.RequestUri = new Uri($"/media?externalId=File:Secret-{run}.png", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        var firstId = Guid.Parse(firstBody!["mediaId"]!.GetValue<string>());
        var firstEnd = await first.WaitForEndAsync(firstId, VerdictTimeout);
        Assert.Equal("completed", IngestApi.State(firstEnd));

        var (status, body, _) = await second.SubmitAsync(png, "second.png", r => r.RequestUri = new Uri($"/media?externalId=File:Mine-{run}.png", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body!["duplicate"]!.GetValue<bool>());
        var secondId = Guid.Parse(body["mediaId"]!.GetValue<string>());
        Assert.NotEqual(firstId, secondId);
        Assert.Equal($"File:Mine-{run}.png", body["externalId"]!.GetValue<string>());
        Assert.Equal(firstEnd["verdict"]!["decision"]!.ToJsonString(), body["verdict"]!["decision"]!.ToJsonString());
        Assert.DoesNotContain($"Secret-{run}", body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(firstId.ToString(), body.ToJsonString(), StringComparison.Ordinal);

        var own = await second.StatusAsync(secondId);
        Assert.Equal(("completed", $"File:Mine-{run}.png"), (IngestApi.State(own), own["externalId"]!.GetValue<string>()));
        Assert.DoesNotContain($"Secret-{run}", own.ToJsonString(), StringComparison.Ordinal);
        using (var theirs = await second.Http.GetAsync($"/media/{firstId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        using (var mine = await first.Http.GetAsync($"/media/{secondId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, mine.StatusCode);
        }

        // The results API agrees: the second client's read key lists and reads its own copy only.
        using var results = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Results) };
        results.DefaultRequestHeaders.Add("X-Api-Key", second.Http.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
        using (var theirs = await results.GetAsync($"/media/{firstId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        var sha = body["sha256"]!.GetValue<string>();
        var listed = JsonNode.Parse(await results.GetStringAsync($"/media?sha256={sha}"))!["items"]!.AsArray();
        Assert.Equal([secondId.ToString()], listed.Select(m => m!["id"]!.GetValue<string>()));

        // The first client re-sending its bytes keeps today's answer: its own medium.
        var (againStatus, again, _) = await first.SubmitAsync(png, "again.png");
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.Equal(firstId, Guid.Parse(again!["mediaId"]!.GetValue<string>()));
    }

    private async Task<IngestApi> ClientAsync(string clientId)
    {
        var key = (await fixture.Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", clientId, "--scopes", "submit,read", "--quiet")).Trim();
        var http = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Ingest) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new IngestApi(http);
    }
}
