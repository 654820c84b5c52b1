using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.BlobStorage;
using Moderation.Testing;
using Npgsql;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// <c>DELETE /media/{id}</c> through the running cluster: verified in both PostgreSQL databases (no row about the
/// medium outside the tombstones and the audit log) and in the blob store.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErasureTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Tables that may keep the id of an erased medium: the tombstones and the audit log.</summary>
    private static readonly HashSet<string> Tombstones = ["erasures", "audit_log", "__EFMigrationsHistory"];

    private Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Delete_erases_a_video_from_both_databases_and_the_blob_store_and_a_repeat_answers_the_same_tombstone()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var owner = await ClientAsync("owner-" + run);
        using var other = await ClientAsync("other-" + run);
        var video = TestMedia.UniqueCopy(await TestMedia.VideoAsync(12, 160 + (2 * Random.Shared.Next(40)), 120, 10, 2));
        var id = await owner.SubmitAcceptedAsync(video);
        var end = await owner.WaitForEndAsync(id, VerdictTimeout);
        Assert.Equal("completed", IngestApi.State(end));
        var sha256 = end["sha256"]!.GetValue<string>();
        Assert.True(File.Exists(OriginalPath(sha256)));
        Assert.NotEmpty(FramePaths(id));
        Assert.NotEmpty(await RowsAboutAsync(Cluster.ResultsDatabase, id));
        Assert.NotEmpty(await RowsAboutAsync(Cluster.IngestDatabase, id));

        using (var theirs = await other.Http.DeleteAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        Assert.True(File.Exists(OriginalPath(sha256)), "another client's DELETE must not erase anything");

        using var first = await owner.Http.DeleteAsync($"/media/{id}?reason=takedown%20request%2042");
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, $"{(int)first.StatusCode}: {firstBody}");
        var tombstone = JsonNode.Parse(firstBody)!;
        Assert.Equal(("owner-" + run, sha256, "owner-" + run, "takedown request 42"), (tombstone["clientId"]!.GetValue<string>(),
            tombstone["sha256"]!.GetValue<string>(), tombstone["erasedBy"]!.GetValue<string>(), tombstone["reason"]!.GetValue<string>()));

        Assert.Empty(await RowsAboutAsync(Cluster.ResultsDatabase, id));
        Assert.Empty(await RowsAboutAsync(Cluster.IngestDatabase, id));
        Assert.Equal(1L, await ScalarAsync<long>(Cluster.ResultsDatabase, "SELECT count(*) FROM erasures WHERE media_id = @id", id));
        Assert.Equal(1L, await ScalarAsync<long>(Cluster.IngestDatabase, "SELECT count(*) FROM erasures WHERE \"MediaId\" = @id", id));
        Assert.False(File.Exists(OriginalPath(sha256)), "the original no other medium references must be deleted");
        Assert.Empty(FramePaths(id));

        using (var status = await owner.Http.GetAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }

        using var again = await owner.Http.DeleteAsync($"/media/{id}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(tombstone.ToJsonString(), JsonNode.Parse(await again.Content.ReadAsStringAsync())!.ToJsonString());
        using (var theirs = await other.Http.DeleteAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }
    }

    [Fact]
    public async Task Delete_keeps_the_bytes_while_another_clients_medium_references_the_same_content()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var first = await ClientAsync("first-" + run);
        using var second = await ClientAsync("second-" + run);
        var png = await TestMedia.PngAsync("darkkhaki", 270 + Random.Shared.Next(200), 170);
        var firstId = await first.SubmitAcceptedAsync(png);
        var sha256 = (await first.WaitForEndAsync(firstId, VerdictTimeout))["sha256"]!.GetValue<string>();
        var secondId = await second.SubmitAcceptedAsync(png);
        Assert.NotEqual(firstId, secondId);
        Assert.Equal("completed", IngestApi.State(await second.WaitForEndAsync(secondId, VerdictTimeout)));

        using (var erased = await first.Http.DeleteAsync($"/media/{firstId}"))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        Assert.Empty(await RowsAboutAsync(Cluster.ResultsDatabase, firstId));
        Assert.Empty(await RowsAboutAsync(Cluster.IngestDatabase, firstId));
        Assert.True(File.Exists(OriginalPath(sha256)), "the second client's medium still references these bytes");
        Assert.Equal("completed", IngestApi.State(await second.StatusAsync(secondId)));

        using (var erased = await second.Http.DeleteAsync($"/media/{secondId}"))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        Assert.False(File.Exists(OriginalPath(sha256)), "the last reference is gone, so are the bytes");
    }

    /// <summary>
    /// Two clients' media with the same bytes (the second a de-duplicated copy) erased at the same moment: each erasure
    /// sees the other medium still there when results erases it, so only the count taken under the content's lock at
    /// release time lets the later of them delete the bytes.
    /// </summary>
    [Fact]
    public async Task Erasing_two_clients_media_with_the_same_bytes_at_once_answers_200_twice_and_leaves_no_byte()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var first = await ClientAsync("twin-a-" + run);
        using var second = await ClientAsync("twin-b-" + run);
        var png = await TestMedia.PngAsync("peru", 230 + Random.Shared.Next(300), 130);
        var firstId = await first.SubmitAcceptedAsync(png);
        var sha256 = (await first.WaitForEndAsync(firstId, VerdictTimeout))["sha256"]!.GetValue<string>();
        var secondId = await second.SubmitAcceptedAsync(png);
        Assert.Equal("completed", IngestApi.State(await second.WaitForEndAsync(secondId, VerdictTimeout)));
        Assert.True(File.Exists(OriginalPath(sha256)));

        var answers = await Task.WhenAll(first.Http.DeleteAsync($"/media/{firstId}"), second.Http.DeleteAsync($"/media/{secondId}"));
        foreach (var answer in answers)
        {
            using (answer)
            {
                Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
            }
        }

        foreach (var id in new[] { firstId, secondId })
        {
            Assert.Empty(await RowsAboutAsync(Cluster.ResultsDatabase, id));
            Assert.Empty(await RowsAboutAsync(Cluster.IngestDatabase, id));
        }

        Assert.False(File.Exists(OriginalPath(sha256)), "no medium references the bytes any more");
    }

    [Fact]
    public async Task Legal_hold_blocks_delete_with_409_until_an_administrator_lifts_it()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var owner = await ClientAsync("held-" + run);
        var png = await TestMedia.PngAsync("slateblue", 230 + Random.Shared.Next(200), 150);
        var id = await owner.SubmitAcceptedAsync(png);
        var sha256 = (await owner.WaitForEndAsync(id, VerdictTimeout))["sha256"]!.GetValue<string>();
        using var results = Cluster.Client(Cluster.Results);

        using (var ownerHold = await ResultsClient(owner).PutAsJsonAsync($"/media/{id}/legal-hold", new { reason = "mine" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, ownerHold.StatusCode);
        }

        using (var hold = await results.PutAsJsonAsync($"/media/{id}/legal-hold", new { reason = "case 7" }))
        {
            Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        }

        using (var refused = await owner.Http.DeleteAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Equal("urn:moderation:problem:legal-hold", problem["type"]!.GetValue<string>());
        }

        Assert.Equal("completed", IngestApi.State(await owner.StatusAsync(id)));
        Assert.True(File.Exists(OriginalPath(sha256)));
        Assert.Equal(0L, await ScalarAsync<long>(Cluster.ResultsDatabase, "SELECT count(*) FROM erasures WHERE media_id = @id", id));

        using (var lift = await results.DeleteAsync($"/media/{id}/legal-hold?reason=case%20closed"))
        {
            Assert.Equal(HttpStatusCode.OK, lift.StatusCode);
        }

        Assert.Equal(["legal-hold.set", "legal-hold.clear"], await AuditActionsAsync(id));
        using (var erased = await owner.Http.DeleteAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        Assert.Empty(await RowsAboutAsync(Cluster.ResultsDatabase, id));
        Assert.Equal(["legal-hold.set", "legal-hold.clear", "medium.erase"], await AuditActionsAsync(id));
    }

    [Fact]
    public async Task Erasing_a_video_mid_extraction_stops_it_and_nothing_about_it_is_written_back()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var callbacks = await CallbackReceiver.StartAsync();
        using var owner = await ClientAsync("inflight-" + run);
        // Long, with keyframes too sparse to snap to: decoded exactly, so the extraction lasts while frames stream out.
        var video = await TestMedia.VideoAsync(900, 320, 240, 5, 300);
        var (status, body, _) = await owner.SubmitAsync(video, configure: r =>
            r.RequestUri = new Uri($"/media?callbackUrl={Uri.EscapeDataString(callbacks.Url + "erased")}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = Guid.Parse(body!["mediaId"]!.GetValue<string>());
        var sha256 = body["sha256"]!.GetValue<string>();

        using var extractor = new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.FrameExtractor) };
        await WaitUntilAsync(async () => FramePaths(id).Length > 0 && (await extractor.GetAsync($"/extractions/{id}")).IsSuccessStatusCode,
            "the extraction to be under way with frames stored", TimeSpan.FromMinutes(1));

        using (var erased = await owner.Http.DeleteAsync($"/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        await WaitUntilAsync(async () => (await extractor.GetAsync($"/extractions/{id}")).StatusCode == HttpStatusCode.NotFound,
            "the extraction to stop", TimeSpan.FromSeconds(30));
        Assert.Contains("the medium was erased", Cluster.Log(Cluster.FrameExtractor, 400), StringComparison.Ordinal);

        // Whatever was already on its way (frames being classified, their scores) has passed once a medium submitted
        // after the erasure has its verdict: the pipeline's queues are drained past the erased medium.
        var sentinel = await owner.SubmitAcceptedAsync(await TestMedia.PngAsync("honeydew", 200 + Random.Shared.Next(300), 120));
        Assert.Equal("completed", IngestApi.State(await owner.WaitForEndAsync(sentinel, VerdictTimeout)));
        await WaitUntilAsync(() => Task.FromResult(FramePaths(id).Length == 0), "the stored frames to be deleted", TimeSpan.FromSeconds(30));

        Assert.Empty(await RowsAboutAsync(Cluster.ResultsDatabase, id));
        Assert.Empty(await RowsAboutAsync(Cluster.IngestDatabase, id));
        Assert.False(File.Exists(OriginalPath(sha256)));
        Assert.DoesNotContain(callbacks.Received, c => c.MediaId == id);
        using var status404 = await owner.Http.GetAsync($"/media/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status404.StatusCode);
    }

    private HttpClient ResultsClient(IngestApi client)
    {
        var results = new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Results) };
        results.DefaultRequestHeaders.Add("X-Api-Key", client.Http.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
        return results;
    }

    private async Task<IngestApi> ClientAsync(string clientId)
    {
        var key = (await Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", clientId, "--scopes", "submit,read", "--quiet")).Trim();
        var http = new HttpClient { BaseAddress = Cluster.BaseAddress(Cluster.Ingest) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new IngestApi(http);
    }

    private string OriginalPath(string sha256) => Path.Combine(Cluster.Directory, "blobs", BlobStorageExtensions.MediaKey(sha256));

    private string[] FramePaths(Guid id)
    {
        var directory = Path.Combine(Cluster.Directory, "blobs", BlobStorageExtensions.FramesPrefix(id));
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories) : [];
    }

    /// <summary>
    /// Every row of every table (tombstones and audit log aside) with a uuid column holding the id, as "table.column",
    /// plus rows whose text or JSON mentions it (outbox payloads) — found by scanning the schema, so a table added later
    /// is covered too. The erasure's own announcement in the outbox (<c>MediumErased</c>) is part of its audit.
    /// </summary>
    private static async Task<List<string>> RowsAboutAsync(string database, Guid id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var command = new NpgsqlCommand(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' " +
            "AND data_type IN ('uuid', 'text', 'jsonb', 'character varying')", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var found = new List<string>();
        foreach (var (table, column, type) in columns.Where(c => !Tombstones.Contains(c.Table)))
        {
            var condition = type == "uuid" ? $"\"{column}\" = @id" : $"\"{column}\"::text LIKE '%' || @text || '%'";
            var sql = $"SELECT count(*) FROM \"{table}\" WHERE {condition}" +
                (table == "outbox" ? " AND message_type <> 'MediumErased'" : "");
            await using var count = new NpgsqlCommand(sql, connection);
            count.Parameters.AddWithValue("id", id);
            count.Parameters.AddWithValue("text", id.ToString());
            if ((long)(await count.ExecuteScalarAsync())! > 0)
            {
                found.Add($"{table}.{column}");
            }
        }

        return found;
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> AuditActionsAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(Cluster.ResultsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action FROM audit_log WHERE media_id = @id AND action NOT LIKE 'media.%' ORDER BY id", connection);
        command.Parameters.AddWithValue("id", id);
        var actions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actions.Add(reader.GetString(0));
        }

        return actions;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
