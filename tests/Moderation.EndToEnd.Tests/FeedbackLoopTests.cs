using System.Text.Json;
using System.Text.Json.Nodes;
using Moderation.Contracts.Heads;
using Moderation.Model;
using Moderation.Testing;
using Npgsql;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The end of the feedback loop across services: a head results publishes (as the nightly training does) reaches the
/// running classifier over RabbitMQ, new media are scored by it under its version, and withdrawing it returns the
/// worker to the base model — no shared file, no restart.
/// </summary>
public sealed class FeedbackLoopTests : OwnClusterTests
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(45);

    protected override void Configure(string service, IDictionary<string, string> env)
    {
        if (service == Cluster.Classifier)
        {
            env["Classifier__FeedbackHeadReloadInterval"] = "00:00:02";
        }
    }

    [Fact]
    public async Task A_published_head_reaches_the_classifier_scores_new_media_under_its_version_and_can_be_withdrawn()
    {
        var manifest = ModelManifest.Load(await TestModel.ManifestPathAsync());
        var random = new Random(11);
        var drawing = new HeadClass("Drawing", [.. Enumerable.Range(0, manifest.Outputs.EmbeddingSize).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f)], 0.2f, 0.5);
        var head = new HeadFile(HeadFile.CurrentFormat, $"{manifest.Version}+fbe2e", manifest.Name, manifest.Version, manifest.Outputs.EmbeddingSize,
            DateTimeOffset.UtcNow, [drawing]);
        Assert.Null(await HeadInForceAsync());

        // A head as `tools/head-training --no-publish` leaves it, then published by an admin through the API.
        await ExecuteAsync("INSERT INTO model_heads (version, base_model_name, base_model_version, head_json, report_json, published, created_at) " +
            "VALUES ($1, $2, $3, $4::jsonb, '{}'::jsonb, false, now())", head.Version, manifest.Name, manifest.Version, head.ToJson());
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Null(await HeadInForceAsync());
        await SetPublishedAsync(head.Version, "publish");
        await WaitForHeadAsync(head.Version);

        var id = await Ingest.SubmitAcceptedAsync(await TestMedia.JpegAsync(500, 400));
        var end = await Ingest.WaitForEndAsync(id, TimeSpan.FromMinutes(2));

        Assert.Equal("completed", IngestApi.State(end));
        await using (var db = await OpenResultsAsync())
        await using (var command = new NpgsqlCommand("SELECT model_version, scores::text, embedding FROM frame_scores WHERE media_id = $1", db) { Parameters = { new() { Value = id } } })
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(head.Version, reader.GetString(0));
            var scores = JsonSerializer.Deserialize<Dictionary<string, float>>(reader.GetString(1))!;
            Assert.Equal(drawing.Probability(reader.GetFieldValue<float[]>(2)), scores["Drawing"], 5);
            Assert.False(await reader.ReadAsync());
        }

        Assert.Equal(head.Version, end["verdict"]!["modelVersion"]!.GetValue<string>());

        await SetPublishedAsync(head.Version, "withdraw");
        await WaitForHeadAsync(null);
    }

    private async Task SetPublishedAsync(string version, string action)
    {
        using var results = Cluster.Client(Cluster.Results);
        using var response = await results.PostAsync($"/models/heads/{Uri.EscapeDataString(version)}/{action}", null);
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task WaitForHeadAsync(string? version)
    {
        var deadline = DateTime.UtcNow + Propagation;
        while (await HeadInForceAsync() != version)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the classifier did not switch to {version ?? "the base model"}:\n{Cluster.Log(Cluster.Classifier)}");
            await Task.Delay(500);
        }
    }

    private async Task<string?> HeadInForceAsync()
    {
        using var classifier = new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Classifier) };
        var stats = JsonNode.Parse(await classifier.GetStringAsync("/api/classifier/stats"))!;
        return stats["feedbackHeadVersion"]?.GetValue<string>();
    }

    private async Task<NpgsqlConnection> OpenResultsAsync()
    {
        var connection = new NpgsqlConnection(Cluster.ResultsDatabase);
        await connection.OpenAsync();
        return connection;
    }

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var db = await OpenResultsAsync();
        await using var command = new NpgsqlCommand(sql, db);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }
}
