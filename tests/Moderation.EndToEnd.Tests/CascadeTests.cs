using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The model cascade through the running cluster, with a classifier pool that has InceptionV3 beside MobileNetV2: a
/// policy naming <c>cascade-v1</c> reaches the classifier from results, a still submitted under it whose scores lie in
/// the band is re-scored by InceptionV3, and <c>GET /media/{id}/frames</c> shows the frame's configuration, rule and both
/// models' raw scores, its final scores being their mean; the verdict names the configuration and counts the
/// escalation. A still under the default (single-model) policy is scored by MobileNetV2 alone.
/// </summary>
public sealed class CascadeTests : OwnClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_still_under_a_cascade_policy_is_rescored_by_InceptionV3_and_its_frame_shows_both_models()
    {
        var policy = "cascade-" + Guid.NewGuid().ToString("N")[..8];
        using var results = Cluster.Client(Cluster.Results);
        // A margin of 1 opens the band at 0: every frame not at a block threshold is escalated.
        using (var created = await results.PostAsJsonAsync("/policies", new
        {
            name = policy,
            block = new Dictionary<string, float> { ["Porn"] = 0.9f, ["Hentai"] = 0.9f },
            review = new Dictionary<string, float> { ["Porn"] = 0.5f, ["Hentai"] = 0.5f, ["Sexy"] = 0.5f },
            earlyExit = true,
            models = "cascade-v1",
            cascadeMargin = 1f,
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var classifier = new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Classifier) };
        await ErasureTests.WaitUntilAsync(async () =>
            JsonNode.Parse(await classifier.GetStringAsync("/api/classifier/stats"))!["cascadeBands"]!.AsArray()
                .Any(b => b!.GetValue<string>() == $"{policy} v1: cascade-v1"),
            "the classifier to learn the cascade policy's band from results", Timeout);

        var (status, body, _) = await Ingest.SubmitAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(480, 360)), configure: r =>
            r.RequestUri = new Uri($"/media?policy={policy}", UriKind.Relative));
        Assert.True(status is System.Net.HttpStatusCode.Accepted, $"{status}: {body}");
        var cascaded = Guid.Parse(body!["mediaId"]!.GetValue<string>());
        var plain = await Ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(480, 360)));
        Assert.Equal("completed", IngestApi.State(await Ingest.WaitForEndAsync(cascaded, Timeout)));
        Assert.Equal("completed", IngestApi.State(await Ingest.WaitForEndAsync(plain, Timeout)));

        var frame = Assert.Single(JsonNode.Parse(await results.GetStringAsync($"/media/{cascaded}/frames"))!.AsArray())!;
        Assert.Equal("cascade-v1", frame["modelConfiguration"]!.GetValue<string>());
        Assert.Equal("escalated", frame["scoreRule"]!.GetValue<string>());
        var models = frame["modelScores"]!.AsArray();
        Assert.Equal(["mobilenet_v2", "inception_v3"], models.Select(m => m!["modelName"]!.GetValue<string>()));
        foreach (var (cls, score) in frame["scores"]!.AsObject())
        {
            Assert.Equal((models[0]!["scores"]![cls]!.GetValue<float>() + models[1]!["scores"]![cls]!.GetValue<float>()) / 2, score!.GetValue<float>(), 5);
        }

        var verdict = JsonNode.Parse(await results.GetStringAsync($"/media/{cascaded}"))!["verdict"]!;
        Assert.Equal(("cascade-v1", 1), (verdict["modelConfiguration"]!.GetValue<string>(), verdict["escalatedFrames"]!.GetValue<int>()));

        var single = Assert.Single(JsonNode.Parse(await results.GetStringAsync($"/media/{plain}/frames"))!.AsArray())!;
        Assert.Equal(("mobilenet_v2", "single-model"), (single["modelConfiguration"]!.GetValue<string>(), single["scoreRule"]!.GetValue<string>()));
        Assert.Equal("mobilenet_v2", Assert.Single(single["modelScores"]!.AsArray())!["modelName"]!.GetValue<string>());
    }

    protected override void Configure(string service, IDictionary<string, string> env)
    {
        if (service == Cluster.Classifier)
        {
            env["Classifier__EscalationManifestPath"] = Task.Run(() => TestModel.ManifestPathAsync("inception_v3")).GetAwaiter().GetResult();
            env["Classifier__CascadeBandsReloadInterval"] = "00:00:01";
        }
    }
}
