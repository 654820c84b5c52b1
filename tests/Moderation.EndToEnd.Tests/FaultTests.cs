using System.Net;
using Moderation.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>A cluster on servers of its own, so its tests may kill services and restart RabbitMQ and PostgreSQL.</summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public DedicatedServers Servers { get; private set; } = null!;

    public Cluster Cluster { get; private set; } = null!;

    public CallbackReceiver Callbacks { get; private set; } = null!;

    public IngestApi Ingest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Servers = await DedicatedServers.StartAsync();
        Callbacks = await CallbackReceiver.StartAsync();
        Cluster = await Cluster.StartAsync(ClusterFixture.ConfigureForTests, dedicated: Servers);
        Ingest = new IngestApi(Cluster.Client(Cluster.Ingest));
        await ClusterFixture.WarmUpAuthenticationAsync(Cluster);
    }

    public async Task DisposeAsync()
    {
        Ingest?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Callbacks is not null)
        {
            await Callbacks.DisposeAsync();
        }

        if (Servers is not null)
        {
            await Servers.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}

/// <summary>
/// Crash and outage tests: after each fault, every submitted medium has exactly one verdict or one explicit failure
/// (0 lost, 0 duplicated, counted in PostgreSQL) and every verdict reached the callback receiver as one delivery id,
/// any repeat of it flagged as a redelivery.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultTests(FaultFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromMinutes(4);
    private static int s_batch;

    [Fact]
    public async Task Classifier_killed_mid_batch_loses_and_doubles_nothing()
    {
        var ids = await SubmitBatchAsync();
        await WaitForScoredFramesAsync(ids, 1);
        fixture.Cluster.Kill(Cluster.Classifier);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.Cluster.RestartAsync(Cluster.Classifier);

        await AssertExactlyOnceAsync(ids);
    }

    [Fact]
    public async Task Frame_extractor_killed_mid_video_loses_and_doubles_nothing()
    {
        var ids = await SubmitBatchAsync(videoSeconds: 40);
        await WaitForScoredFramesAsync(ids, 3);
        fixture.Cluster.Kill(Cluster.FrameExtractor);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.Cluster.RestartAsync(Cluster.FrameExtractor);

        await AssertExactlyOnceAsync(ids);
    }

    [Fact]
    public async Task RabbitMQ_restart_mid_flight_loses_and_doubles_nothing()
    {
        var ids = await SubmitBatchAsync(videoSeconds: 30);
        await WaitForScoredFramesAsync(ids, 2);
        await fixture.Servers.StopRabbitMqAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fixture.Servers.StartRabbitMqAsync();

        await AssertExactlyOnceAsync(ids);
    }

    [Fact]
    public async Task PostgreSQL_restart_mid_flight_loses_and_doubles_nothing()
    {
        var ids = await SubmitBatchAsync(videoSeconds: 30);
        await WaitForScoredFramesAsync(ids, 2);
        await fixture.Servers.StopPostgresAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await fixture.Servers.StartPostgresAsync();

        await AssertExactlyOnceAsync(ids);
    }

    [Fact]
    public async Task Results_killed_while_verdicts_are_in_flight_loses_and_doubles_nothing()
    {
        fixture.Callbacks.FailFirst = 3;
        var ids = await SubmitBatchAsync();
        await WaitForScoredFramesAsync(ids, 1);
        fixture.Cluster.Kill(Cluster.Results);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fixture.Cluster.RestartAsync(Cluster.Results);

        await AssertExactlyOnceAsync(ids);
    }

    /// <summary>Distinct images and short videos (distinct content, so none is answered by de-duplication).</summary>
    private async Task<IReadOnlyList<Guid>> SubmitBatchAsync(int images = 4, int videos = 3, double videoSeconds = 15)
    {
        var batch = Interlocked.Increment(ref s_batch);
        var files = new List<string>();
        for (var i = 0; i < images; i++)
        {
            files.Add(await TestMedia.JpegAsync(400 + (batch * 16) + i, 300));
        }

        for (var i = 0; i < videos; i++)
        {
            files.Add(await TestMedia.VideoAsync(videoSeconds, 160 + (batch * 16) + (i * 2), 120, 10, 2));
        }

        var ids = new List<Guid>();
        foreach (var file in files.Select(TestMedia.UniqueCopy))
        {
            var (status, body, _) = await fixture.Ingest.SubmitAsync(file, configure: r =>
                r.RequestUri = new Uri($"/media?callbackUrl={Uri.EscapeDataString(fixture.Callbacks.Url + Guid.NewGuid().ToString("N"))}", UriKind.Relative));
            Assert.True(status == HttpStatusCode.Accepted, $"{status}: {body}");
            ids.Add(Guid.Parse(body!["mediaId"]!.GetValue<string>()));
        }

        return ids;
    }

    private async Task WaitForScoredFramesAsync(IReadOnlyList<Guid> ids, int frames)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var scored = await ScalarAsync<long>("SELECT count(*) FROM frame_scores WHERE media_id = ANY(@ids)", ids);
            if (scored >= frames)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no {frames} frames scored:\n{fixture.Cluster.Log(Cluster.Classifier)}");
    }

    private async Task AssertExactlyOnceAsync(IReadOnlyList<Guid> ids)
    {
        var deadline = DateTime.UtcNow + Recovery;
        Dictionary<Guid, (string State, long Verdicts)> rows = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                rows = await StatesAsync(ids);
                if (rows.Count == ids.Count && rows.Values.All(r => r.State is "completed" or "failed"))
                {
                    break;
                }
            }
            catch (NpgsqlException)
            {
            }

            await Task.Delay(500);
        }

        var lost = ids.Where(id => !rows.TryGetValue(id, out var r) || r.State is not ("completed" or "failed")).ToList();
        var duplicated = rows.Where(r => r.Value.Verdicts > 1).Select(r => r.Key).ToList();
        var completedWithoutVerdict = rows.Where(r => r.Value.State == "completed" && r.Value.Verdicts != 1).Select(r => r.Key).ToList();
        output.WriteLine($"submitted {ids.Count}, ended {ids.Count - lost.Count}, lost {lost.Count}, duplicated {duplicated.Count}");
        Assert.True(lost.Count == 0, $"lost: {string.Join(", ", lost)}\n{fixture.Cluster.Log(Cluster.Results)}");
        Assert.Empty(duplicated);
        Assert.Empty(completedWithoutVerdict);

        // Callbacks: one delivery id per medium's verdict (or failure); a repeat of an id must say it is a redelivery.
        var callbackDeadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        List<ReceivedCallback> mine;
        do
        {
            mine = fixture.Callbacks.Received.Where(c => c.MediaId is { } m && ids.Contains(m)).ToList();
            if (ids.All(id => mine.Any(c => c.MediaId == id)))
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < callbackDeadline);

        foreach (var id in ids)
        {
            var deliveries = mine.Where(c => c.MediaId == id && c.Json?["byReviewer"]?.GetValue<bool>() != true).ToList();
            Assert.True(deliveries.Count > 0, $"no callback for {id}");
            Assert.Single(deliveries.Select(d => d.DeliveryId).Distinct());
            Assert.All(deliveries.Skip(1), d => Assert.True(d.Redelivery, $"repeat of {d.DeliveryId} not flagged as a redelivery"));
        }
    }

    private async Task<Dictionary<Guid, (string State, long Verdicts)>> StatesAsync(IReadOnlyList<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(fixture.Cluster.ResultsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT m.id, m.state, (SELECT count(*) FROM verdicts v WHERE v.media_id = m.id) FROM media m WHERE m.id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var rows = new Dictionary<Guid, (string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt64(2));
        }

        return rows;
    }

    private async Task<T> ScalarAsync<T>(string sql, IReadOnlyList<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(fixture.Cluster.ResultsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
