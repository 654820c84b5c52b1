using System.Net;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using RabbitMQ.Client;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>Watches a queue of the test's own, with small ceilings: bulk 2, normal 4, urgent 8.</summary>
public sealed class BackPressureIngestFixture : IngestFixture
{
    public const string WatchedQueue = "bp-watched";

    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["BackPressure:Queues:0"] = WatchedQueue,
        ["BackPressure:Queues:1"] = WatchedQueue,
        ["BackPressure:RequireQueues"] = "true",
        ["BackPressure:BulkMaxDepth"] = "2",
        ["BackPressure:MaxDepth"] = "4",
        ["BackPressure:UrgentMaxDepth"] = "8",
        ["BackPressure:RetryAfter"] = "00:00:17",
    };
}

public sealed class BackPressureTests(BackPressureIngestFixture ingest) : IClassFixture<BackPressureIngestFixture>
{
    [Fact]
    public async Task Refuses_while_the_watched_queue_is_missing_or_too_deep_lane_by_lane()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(50, 40));
        using var client = ingest.Client(ingest.SubmitKey);

        // No consumer has declared the queue yet: a message published now could be dropped.
        var missing = await WaitForStatusAsync(client, jpeg, "normal", HttpStatusCode.ServiceUnavailable);
        await Http.AssertProblemAsync(missing, HttpStatusCode.ServiceUnavailable, Problems.PipelineUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(17), missing.Headers.RetryAfter?.Delta);

        var factory = new ConnectionFactory { Uri = new Uri(ingest.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(BackPressureIngestFixture.WatchedQueue, durable: true, exclusive: false, autoDelete: false);
        Assert.Equal(HttpStatusCode.Accepted, (await WaitForStatusAsync(client, jpeg, "normal", HttpStatusCode.Accepted)).StatusCode);

        for (var i = 0; i < 5; i++)
        {
            await channel.BasicPublishAsync("", BackPressureIngestFixture.WatchedQueue, new byte[] { 1 });
        }

        var overloaded = await WaitForStatusAsync(client, jpeg, "normal", HttpStatusCode.ServiceUnavailable);
        var problem = await Http.AssertProblemAsync(overloaded, HttpStatusCode.ServiceUnavailable, Problems.Overloaded);
        Assert.Equal(5, problem.GetProperty("depth").GetInt64());
        Assert.Equal(TimeSpan.FromSeconds(17), overloaded.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync(client, jpeg, "bulk")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(client, jpeg, "urgent")).StatusCode);

        await channel.QueuePurgeAsync(BackPressureIngestFixture.WatchedQueue);
        Assert.Equal(HttpStatusCode.Accepted, (await WaitForStatusAsync(client, jpeg, "bulk", HttpStatusCode.Accepted)).StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] content, string priority) =>
        client.PostAsync($"/media?priority={priority}", Http.Bytes(content));

    /// <summary>The monitor polls every 100 ms; give it a few rounds to see a change.</summary>
    private static async Task<HttpResponseMessage> WaitForStatusAsync(HttpClient client, byte[] content, string priority, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var response = await PostAsync(client, content, priority);
            if (response.StatusCode == expected || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100);
        }
    }
}
