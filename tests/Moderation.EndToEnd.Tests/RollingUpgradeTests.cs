using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MassTransit;
using Moderation.Contracts;
using Moderation.Testing;
using RabbitMQ.Client;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// While a deployment rolls, replicas of the previous version keep publishing the previous contracts into the new
/// services (docs/messages.md, "Changing messages while a deployment rolls"). These tests publish such messages as the
/// previous version wrote them — raw MassTransit JSON envelopes with exactly the fields of its records, none of this
/// wave's — and assert that the medium still ends in a verdict judged from them. (The previous, URL-only
/// <c>MediaSubmitted</c> of a direct publisher is replayed by <see cref="DirectPublishTests"/>.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RollingUpgradeTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);
    private static readonly string[] Classes = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

    /// <summary>
    /// An extractor of the previous version took the submission: it plans without <c>ExtractionComplete</c>, sends the
    /// frame as a model-sized <c>Jpeg</c> (no <c>Image</c>, <c>ImageBlobKey</c>, <c>Policy</c>, <c>MatchKnownContent</c>
    /// or <c>ClientId</c>) and always completes with <c>FrameExtractionCompleted</c>. The new classifier scores the frame
    /// and results decides the still.
    /// </summary>
    [Fact]
    public async Task A_still_extracted_by_a_previous_version_extractor_is_scored_by_the_new_classifier_and_ends_in_a_verdict()
    {
        var jpeg = await File.ReadAllBytesAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(224, 224)));
        var id = NewId.NextGuid();
        await using var old = await PreviousVersion.ConnectAsync(fixture.Cluster.RabbitMqUri);

        await old.SubmitToResultsAsync(id, jpeg, "image/jpeg");
        await old.PublishAsync("FramesPlanned", Planned(id, kind: 0, frames: 1, duration: 0));
        await old.PublishAsync("FrameExtracted", new JsonObject
        {
            ["mediaId"] = id, ["correlationId"] = id, ["frameIndex"] = 0, ["timestampSeconds"] = 0.0,
            ["jpeg"] = Convert.ToBase64String(jpeg), ["width"] = 224, ["height"] = 224, ["priority"] = 0,
        });
        await old.PublishAsync("FrameExtractionCompleted", Completed(id, 1));

        using var results = fixture.Cluster.Client(Cluster.Results);
        var details = await Verdicts.WaitForVerdictAsync(results, id, VerdictTimeout);
        var verdict = details["verdict"]!;
        Assert.Equal(1, verdict["framesScored"]!.GetValue<int>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(jpeg)), details["sha256"]!.GetValue<string>());
        // Scored by this cluster's model, not carried over from anywhere: the classifier read the old field.
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(await TestModel.ManifestPathAsync()))!;
        Assert.StartsWith(manifest["version"]!.GetValue<string>(), verdict["modelVersion"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A classifier of the previous version scored the frames: <c>FrameClassified</c> without <c>ModelConfiguration</c>,
    /// <c>ScoreRule</c>, <c>ModelScores</c> or <c>HeatmapClasses</c>. Results judges a video from them after the previous
    /// version's plan (no <c>ExtractionComplete</c>) and completion.
    /// </summary>
    [Fact]
    public async Task A_video_scored_by_a_previous_version_classifier_ends_in_a_verdict_judged_from_its_scores()
    {
        var id = NewId.NextGuid();
        await using var old = await PreviousVersion.ConnectAsync(fixture.Cluster.RabbitMqUri);

        await old.SubmitToResultsAsync(id, RandomNumberGenerator.GetBytes(64), "video/mp4");
        await old.PublishAsync("FramesPlanned", Planned(id, kind: 2, frames: 2, duration: 10));
        await old.PublishAsync("FrameClassified", Scored(id, 0, ("Neutral", 0.9f), ("Drawing", 0.1f)));
        await old.PublishAsync("FrameClassified", Scored(id, 1, ("Neutral", 0.7f), ("Sexy", 0.3f)));
        await old.PublishAsync("FrameExtractionCompleted", Completed(id, 2));

        using var results = fixture.Cluster.Client(Cluster.Results);
        var verdict = (await Verdicts.WaitForVerdictAsync(results, id, VerdictTimeout))["verdict"]!;
        Assert.Equal("allow", verdict["decision"]!.GetValue<string>());
        Assert.Equal(2, verdict["framesScored"]!.GetValue<int>());
        Assert.Equal("1.0.0-previous", verdict["modelVersion"]!.GetValue<string>());
        var sexy = verdict["maxima"]!.AsArray().Single(m => m!["class"]!.GetValue<string>() == "Sexy")!;
        Assert.Equal(1, sexy["frameIndex"]!.GetValue<int>());
        Assert.Equal(0.3, sexy["score"]!.GetValue<double>(), 0.001);
    }

    private static JsonObject Planned(Guid id, int kind, int frames, double duration) => new()
    {
        ["mediaId"] = id, ["correlationId"] = id, ["kind"] = kind, ["plannedFrames"] = frames, ["durationSeconds"] = duration,
        ["intervalSeconds"] = frames > 1 ? duration / frames : 0.0, ["width"] = 224, ["height"] = 224, ["codec"] = kind == 0 ? "mjpeg" : "h264",
        ["priority"] = 0, ["plannedAt"] = DateTimeOffset.UtcNow,
    };

    private static JsonObject Completed(Guid id, int frames) => new()
    {
        ["mediaId"] = id, ["correlationId"] = id, ["frameCount"] = frames, ["cancelled"] = false, ["elapsed"] = "00:00:01.5000000",
    };

    private static JsonObject Scored(Guid id, int index, params (string Class, float Score)[] scores)
    {
        var map = new JsonObject();
        foreach (var cls in Classes)
        {
            map[cls] = scores.FirstOrDefault(s => s.Class == cls).Score;
        }

        return new JsonObject
        {
            ["mediaId"] = id, ["correlationId"] = id, ["frameIndex"] = index, ["timestampSeconds"] = index * 5.0, ["scores"] = map,
            ["embedding"] = null, ["modelName"] = "mobilenet_v2", ["modelVersion"] = "1.0.0-previous", ["classifiedAt"] = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// Replicas of the previous version on the cluster's broker: each message goes out as a MassTransit JSON envelope
    /// (<c>application/vnd.masstransit+json</c>, persistent, publisher-confirmed) to its message type's exchange.
    /// </summary>
    private sealed class PreviousVersion(IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public static async Task<PreviousVersion> ConnectAsync(string rabbitMqUri)
        {
            var connection = await new ConnectionFactory { Uri = new Uri(rabbitMqUri) }.CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            return new PreviousVersion(connection, channel);
        }

        /// <summary>Publishes <paramref name="message"/> to the exchange of <c>Moderation.Contracts.V1:<paramref name="type"/></c>.</summary>
        public Task PublishAsync(string type, JsonObject message) => SendAsync($"Moderation.Contracts.V1:{type}", "", type, message);

        /// <summary>
        /// The stored submission (unchanged since the previous version) as results receives it. It goes to results' queue
        /// alone: the medium is the previous version's extractor's, which these tests play, so the new extractor must not
        /// take it too (nothing is stored under its key).
        /// </summary>
        public Task SubmitToResultsAsync(Guid id, byte[] content, string contentType)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
            return SendAsync("", QueueNames.ResultsMediaSubmitted, "MediaSubmitted", new JsonObject
            {
                ["mediaId"] = id, ["correlationId"] = id, ["blobKey"] = $"media/{sha256[..2]}/{sha256}", ["sourceUrl"] = null, ["sha256"] = sha256,
                ["contentType"] = contentType, ["sizeBytes"] = content.Length, ["externalId"] = $"File:Rolling-{id}", ["callbackUrl"] = null,
                ["priority"] = 0, ["policy"] = null, ["clientId"] = "rolling-upgrade", ["submittedAt"] = DateTimeOffset.UtcNow,
            });
        }

        private async Task SendAsync(string exchange, string routingKey, string type, JsonObject message)
        {
            var envelope = new JsonObject
            {
                ["messageId"] = NewId.NextGuid(),
                ["correlationId"] = message["correlationId"]!.DeepClone(),
                ["conversationId"] = NewId.NextGuid(),
                ["messageType"] = new JsonArray($"urn:message:Moderation.Contracts.V1:{type}", "urn:message:Moderation.Contracts.V1:IMediaMessage"),
                ["message"] = message,
                ["sentTime"] = DateTimeOffset.UtcNow,
                ["headers"] = new JsonObject(),
            };
            var properties = new BasicProperties
            {
                ContentType = "application/vnd.masstransit+json",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = envelope["messageId"]!.ToString(),
            };
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, Encoding.UTF8.GetBytes(envelope.ToJsonString()));
        }

        public async ValueTask DisposeAsync()
        {
            await channel.CloseAsync();
            await connection.CloseAsync();
            channel.Dispose();
            connection.Dispose();
        }
    }
}
