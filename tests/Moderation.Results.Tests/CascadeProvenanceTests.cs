using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Results' half of the model cascade: a policy names its model configuration and band margin, classifiers learn the
/// band from results (<see cref="GetCascadeBands"/>), and every frame's provenance — configuration, rule, each model's raw
/// scores — is stored and shown by <c>GET /media/{id}/frames</c>, with the verdict naming the configuration and how many
/// frames were escalated.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CascadeProvenanceTests(ApiFixture fixture)
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task A_policy_naming_the_cascade_gives_classifiers_its_band_from_review_minus_margin_to_block()
    {
        var name = "cascade-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = App.Client(ResultsApp.AdminKey);
        using (var created = await admin.PostAsJsonAsync("/policies", new PolicyRequest(name, new() { ["Porn"] = 0.9f, ["Drawing"] = 0.8f },
            new() { ["Porn"] = 0.5f, ["Sexy"] = 0.6f }, true, "cascade", ModelConfigurations.CascadeV1, 0.15f), ResultsApp.Json))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var view = (await created.Content.ReadFromJsonAsync<PolicyView>(ResultsApp.Json))!;
            Assert.Equal((ModelConfigurations.CascadeV1, 0.15f), (view.Models, view.CascadeMargin));
        }

        var bands = (await App.Bus.CreateRequestClient<GetCascadeBands>().GetResponse<CascadeBands>(new GetCascadeBands())).Message;

        Assert.Equal("default", bands.DefaultPolicy);
        var band = Assert.Single(bands.Policies, p => p.Policy == name);
        Assert.Equal((1, ModelConfigurations.CascadeV1), (band.PolicyVersion, band.Models));
        Assert.Equal(0.35f, band.EscalateFrom["Porn"], 5);
        Assert.Equal(0.45f, band.EscalateFrom["Sexy"], 5);
        Assert.Equal(0.65f, band.EscalateFrom["Drawing"], 5);
        Assert.Equal(new Dictionary<string, float> { ["Porn"] = 0.9f, ["Drawing"] = 0.8f }, band.Block);
        var seeded = Assert.Single(bands.Policies, p => p.Policy == "default");
        Assert.Equal(ModelConfigurations.MobileNetV2, seeded.Models);
    }

    [Theory]
    [InlineData("resnet50", 0.1f)]
    [InlineData(ModelConfigurations.CascadeV1, 1.5f)]
    [InlineData(ModelConfigurations.CascadeV1, -0.1f)]
    public async Task An_unknown_model_configuration_or_a_margin_out_of_range_is_refused(string models, float margin)
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        using var refused = await admin.PostAsJsonAsync("/policies",
            new PolicyRequest("refused-" + Guid.NewGuid().ToString("N")[..8], null, new() { ["Porn"] = 0.5f }, true, null, models, margin), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    /// <param name="escalatedLast">
    /// True: the escalated frame arrives after the rest, so the verdict is reached in its batch (counted as it is stored);
    /// false: it arrives first, so the verdict is reached in a later batch (counted from the stored frames).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_frame_shows_its_configuration_rule_and_every_model_s_raw_scores_and_the_verdict_counts_the_escalations(bool escalatedLast)
    {
        var id = Guid.NewGuid();
        var first = Scores(("Sexy", 0.62f));
        var second = Scores(("Sexy", 0.2f));
        var escalated = Messages.Frame(id, 0, ("Sexy", 0.2f)) with
        {
            ModelConfiguration = ModelConfigurations.CascadeV1,
            ScoreRule = ScoreRules.Escalated,
            ModelScores = [new ModelScores("mobilenet_v2", "1.0.0", first), new ModelScores("inception_v3", "1.0.0", second)],
        };
        var plain = Messages.Frame(id, 1, ("Sexy", 0.1f));
        var outside = plain with
        {
            ModelConfiguration = ModelConfigurations.CascadeV1,
            ScoreRule = ScoreRules.OutsideBand,
            ModelScores = [new ModelScores("mobilenet_v2", "1.0.0", plain.Scores)],
        };
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(escalatedLast ? outside : escalated);
        await Eventually.GetAsync(async () => (await App.FindAsync<List<FrameView>>($"/media/{id}/frames", ResultsApp.ReadKey)) is [_] stored ? stored : null,
            "the first frame stored");
        await App.Bus.Publish(Messages.Completed(id, 2));
        await Eventually.GetAsync(async () => await App.FindAsync<MediaDetails>($"/media/{id}", ResultsApp.ReadKey) is { ExpectedFrames: 2 } known ? known : null,
            "the frame count known");
        await App.Bus.Publish(escalatedLast ? escalated : outside);

        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id);
        Assert.Equal(Decision.Allow, verdict.Decision);
        var frames = await App.GetAsync<List<FrameView>>($"/media/{id}/frames", ResultsApp.ReadKey);
        Assert.Equal([0, 1], frames.Select(f => f.FrameIndex));
        var shown = frames[0];
        Assert.Equal((ModelConfigurations.CascadeV1, ScoreRules.Escalated), (shown.ModelConfiguration, shown.ScoreRule));
        Assert.Equal(0.2f, shown.Scores["Sexy"]);
        Assert.Equal(["mobilenet_v2", "inception_v3"], shown.ModelScores.Select(m => m.ModelName));
        Assert.Equal(0.62f, shown.ModelScores[0].Scores["Sexy"]);
        Assert.Equal(0.2f, shown.ModelScores[1].Scores["Sexy"]);
        Assert.Equal((ScoreRules.OutsideBand, 1), (frames[1].ScoreRule, frames[1].ModelScores.Count));
        Assert.Equal((ModelConfigurations.CascadeV1, 1), (verdict.ModelConfiguration, verdict.EscalatedFrames));

        var details = await App.GetAsync<MediaDetails>($"/media/{id}", ResultsApp.ReadKey);
        Assert.Equal((ModelConfigurations.CascadeV1, 1), (details.Verdict!.ModelConfiguration, details.Verdict.EscalatedFrames));
    }

    private static Dictionary<string, float> Scores(params (string Class, float Score)[] scores) =>
        Messages.Frame(Guid.Empty, 0, scores).Scores.ToDictionary(p => p.Key, p => p.Value);
}
