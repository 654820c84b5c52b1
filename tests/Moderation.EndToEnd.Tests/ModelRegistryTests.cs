using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Moderation.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The model lifecycle of docs/models.md on a cluster whose classifiers follow the registry's "nsfw" model: a version
/// whose bytes do not match is refused, a second version (MobileNetV2 with a feedback head) is shadowed on live traffic
/// and its change report read, a backfill re-scores the archive while live submissions go on, survives a kill -9 of the
/// classifier and a cancel/resume with every medium re-scored exactly once, and the version is promoted and rolled back.
/// The head pushes Drawing to ~1 on every frame and the test policy blocks Drawing above 0.99999, which the base model
/// does not reach on these pictures: every decision the second version makes differs from the first's. A video in the
/// archive under a policy whose corroboration its frames cannot meet is re-decided by the live verdict's rules: review,
/// with its uncorroborated segment, not block.
/// </summary>
public sealed class ModelRegistryTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Model = "nsfw";
    private const string Policy = "drawing-test";
    private const string VideoPolicy = "drawing-corroborated";
    private const string HeadVersion = "drawing-test-head";
    private const int Archive = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private Cluster? _cluster;
    private IngestApi? _ingest;
    private CallbackReceiver? _callbacks;

    private Cluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    private IngestApi Ingest => _ingest ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>A cluster of its own (it kills a classifier) on the shared servers: a vhost and databases of its own.</summary>
    public async Task InitializeAsync()
    {
        _callbacks = await CallbackReceiver.StartAsync();
        _cluster = await Cluster.StartAsync((service, env) =>
        {
            ClusterFixture.ConfigureForTests(service, env);
            Configure(service, env);
        });
        _ingest = new IngestApi(_cluster.Client(Cluster.Ingest));
    }

    public void Dispose() => _ingest?.Dispose();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_callbacks is not null)
        {
            await _callbacks.DisposeAsync();
        }
    }

    private static void Configure(string service, IDictionary<string, string> env)
    {
        if (service == Cluster.Classifier)
        {
            env["Classifier__ModelName"] = Model;
            env["Classifier__ModelReloadInterval"] = "00:00:01";
        }

        if (service == Cluster.Results)
        {
            // A small window, so the backfill is mid-way for many rounds and a cancel leaves media pending.
            env["Backfill__Window"] = "8";
            env["Backfill__PollInterval"] = "00:00:00.200";
        }
    }

    [Fact]
    public async Task Register_shadow_backfill_through_a_crash_cancel_resume_promote_and_roll_back()
    {
        using var results = Cluster.Client(Cluster.Results);
        await ClusterFixture.WarmUpAuthenticationAsync(Cluster);
        var manifestPath = await TestModel.ManifestPathAsync();
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        var onnx = Path.Combine(Path.GetDirectoryName(manifestPath)!, manifest["file"]!.GetValue<string>());
        var baseVersion = manifest["version"]!.GetValue<string>();

        // Registry: the base model, a version whose bytes are not those its manifest's SHA-256 names, and the base model
        // with a feedback head.
        var baseKey = CopyBlob(onnx, "models/nsfw/mobilenet_v2/model.onnx");
        var corruptKey = CopyBlob(onnx, "models/nsfw/corrupt/model.onnx");
        var corruptManifest = manifest.DeepClone();
        corruptManifest["sha256"] = new string('0', 64);
        await SendAsync(results, HttpMethod.Post, "/models/registry", new { name = Model, manifest, blobKey = baseKey }, HttpStatusCode.Created);
        await SendAsync(results, HttpMethod.Post, "/models/registry", new { name = Model, manifest = corruptManifest, blobKey = corruptKey, version = "corrupt" },
            HttpStatusCode.Created);
        var registered = await SendAsync(results, HttpMethod.Post, "/models/registry", new { name = Model, manifest, blobKey = baseKey, head = Head(manifest) },
            HttpStatusCode.Created);
        Assert.Equal(HeadVersion, registered["version"]!.GetValue<string>());
        var duplicate = await results.PostAsJsonAsync("/models/registry", new { name = Model, manifest, blobKey = baseKey, head = Head(manifest) });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        await SendAsync(results, HttpMethod.Put, $"/models/registry/{Model}/active", new { version = baseVersion });
        await SendAsync(results, HttpMethod.Post, "/policies", new { name = Policy, block = new Dictionary<string, float> { ["Drawing"] = 0.99999f } }, HttpStatusCode.Created);
        await SendAsync(results, HttpMethod.Post, "/policies", new
        {
            name = VideoPolicy, block = new Dictionary<string, float> { ["Drawing"] = 0.99999f }, corroborationFrames = 100, corroborationSeconds = 600.0,
        }, HttpStatusCode.Created);

        // A shadow whose bytes do not match its registration is refused by the worker; nothing is scored with it.
        await SendAsync(results, HttpMethod.Put, $"/models/registry/{Model}/shadow", new { version = "corrupt", share = 1.0 });
        await WaitForAsync("the classifier refuses the corrupt version", () => Task.FromResult(Cluster.Log(Cluster.Classifier, 400).Contains("corrupt REFUSED", StringComparison.Ordinal)));

        // Shadow: every live medium is scored by the head version too; its decisions are reported, never applied.
        await SendAsync(results, HttpMethod.Put, $"/models/registry/{Model}/shadow", new { version = HeadVersion, share = 1.0 });
        await WaitForAsync("the classifier loads the shadow", () => Task.FromResult(Cluster.Log(Cluster.Classifier, 400).Contains($"shadow {HeadVersion}", StringComparison.Ordinal)));
        var archive = await SubmitAsync(Archive);
        var video = (await SubmitAsync(1, await SteelblueVideoAsync(), VideoPolicy))[0];
        foreach (var id in archive.Append(video))
        {
            var status = await Ingest.WaitForEndAsync(id, Patience);
            Assert.Equal("completed", InGest(status));
        }

        var videoFrames = await ScalarAsync<int>("SELECT frames_scored FROM verdicts WHERE media_id = ANY(@ids) AND decision = 'Allow'", [video]);
        Assert.True(videoFrames >= 2, $"the video has {videoFrames} sampled frames");

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM verdicts WHERE media_id = ANY(@ids) AND (decision = 'Block' OR model_version <> @base)", archive,
            ("base", baseVersion)));
        var report = await WaitForAsync("the shadow report covers the archive", async () =>
        {
            var r = await GetAsync(results, $"/models/registry/{Model}/shadow-report?limit=1000");
            return r["policies"]!.AsArray().FirstOrDefault(p => p!["policy"]!.GetValue<string>() == Policy) is { } p && p["mediaCompared"]!.GetValue<int>() >= Archive ? p : null;
        });
        Assert.Equal(Archive, report["changed"]!.GetValue<int>());
        var change = report["changes"]![0]!;
        Assert.Equal("allow", change["activeDecision"]!.GetValue<string>());
        Assert.Equal("block", change["shadowDecision"]!.GetValue<string>());
        Assert.True(change["frames"]![0]!["shadow"]!["Drawing"]!.GetValue<float>() > 0.99999f);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM media WHERE id = ANY(@ids) AND decision <> 'Allow'", archive));
        await SendAsync(results, HttpMethod.Delete, $"/models/registry/{Model}/shadow", null);

        // Backfill the archive with the head version, applying changes, while live submissions go on.
        var backfill = await SendAsync(results, HttpMethod.Post, "/backfills",
            new { modelName = Model, modelVersion = HeadVersion, selection = new { clientId = "tests" }, applyChanges = true }, HttpStatusCode.Created);
        var backfillId = backfill["id"]!.GetValue<string>();
        Assert.Equal(Archive + 1, backfill["progress"]!["total"]!.GetValue<int>());
        var live = SubmitAsync(10);

        // kill -9 a classifier with bulk frames in flight, and cancel while it is down.
        await WaitForAsync("the backfill re-scores its first media", async () => (await ProgressAsync(results, backfillId))["rescored"]!.GetValue<int>() >= 5);
        Cluster.Kill(Cluster.Classifier);
        var cancelled = await SendAsync(results, HttpMethod.Post, $"/backfills/{backfillId}/cancel", null);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        await Cluster.RestartAsync(Cluster.Classifier);
        var drained = await WaitForAsync("the media in flight at the cancel are re-scored", async () =>
            await ProgressAsync(results, backfillId) is var p && p["inFlight"]!.GetValue<int>() == 0 ? p : null);
        Assert.True(drained["pending"]!.GetValue<int>() > 0, $"a cancelled backfill stops dispatching: {drained}");
        Assert.Equal(drained["pending"]!.GetValue<int>(), (await ProgressAsync(results, backfillId))["pending"]!.GetValue<int>());
        await SendAsync(results, HttpMethod.Post, $"/backfills/{backfillId}/resume", null);
        var finished = await WaitForAsync("the backfill completes", async () =>
            await GetAsync(results, $"/backfills/{backfillId}") is var b && b["state"]!.GetValue<string>() == "completed" ? b : null);
        output.WriteLine(finished.ToJsonString());

        // Exactly once: one revision per medium, every medium re-scored, every decision changed and applied, one callback each.
        var progress = finished["progress"]!;
        Assert.Equal(Archive + 1, progress["rescored"]!.GetValue<int>());
        Assert.Equal(Archive + 1, progress["changed"]!.GetValue<int>());
        Assert.Equal(Archive + 1, progress["applied"]!.GetValue<int>());
        Assert.Equal(Archive, progress["transitions"]!["allow→block"]!.GetValue<int>());
        Assert.Equal(1, progress["transitions"]!["allow→review"]!.GetValue<int>());
        Assert.Equal((long)Archive, await ScalarAsync<long>(
            "SELECT count(*) FROM verdict_revisions WHERE backfill_id = @backfill AND media_id = ANY(@ids) AND revision = 2 AND decision = 'Block'", archive,
            ("backfill", Guid.Parse(backfillId))));
        Assert.Equal((long)Archive, await ScalarAsync<long>("SELECT count(*) FROM media WHERE id = ANY(@ids) AND decision = 'Block'", archive));
        Assert.Equal(Archive + 1, (await GetAsync(results, $"/backfills/{backfillId}/changes")).AsArray().Count);
        await WaitForAsync("a re-decision callback per medium", () => Task.FromResult(archive.Append(video).All(id => Redecisions(id).Count > 0)));
        Assert.All(archive.Append(video), id => Assert.Single(Redecisions(id).Select(c => c.DeliveryId).Distinct()));

        // The video's frames are all over the block threshold, but fewer than its policy's corroboration asks: the
        // re-decision sends it to review with its uncorroborated segment, as a live verdict on those scores would.
        Assert.Equal("Review", await ScalarAsync<string>("SELECT decision FROM media WHERE id = ANY(@ids)", [video]));
        var redecided = Redecisions(video)[0].Json!;
        Assert.Equal(("review", "allow", (int?)2, (int?)videoFrames), (redecided["decision"]?.GetValue<string>(), redecided["previousDecision"]?.GetValue<string>(),
            redecided["revision"]?.GetValue<int>(), redecided["framesScored"]?.GetValue<int>()));
        var segment = Assert.Single(redecided["segments"]!.AsArray(), s => s!["threshold"]!.GetValue<string>() == "block")!;
        Assert.Equal(("Drawing", videoFrames, false), (segment["class"]!.GetValue<string>(), segment["frames"]!.GetValue<int>(), segment["corroborated"]!.GetValue<bool>()));
        Assert.Equal(redecided["segments"]!.AsArray().Count, await ScalarAsync<int>(
            "SELECT jsonb_array_length(segments) FROM verdict_revisions WHERE media_id = ANY(@ids) AND decision = 'Review'", [video]));
        foreach (var id in await live)
        {
            Assert.Equal("completed", InGest(await Ingest.WaitForEndAsync(id, Patience)));
        }

        // Promote the head version in one call: new media are judged by it; roll back: by the base model again.
        var promoted = await SendAsync(results, HttpMethod.Put, $"/models/registry/{Model}/shadow", new { version = HeadVersion, share = 0.5 });
        Assert.Equal(HeadVersion, promoted["shadow"]!.GetValue<string>());
        promoted = await SendAsync(results, HttpMethod.Post, $"/models/registry/{Model}/promote", null);
        Assert.Equal(HeadVersion, promoted["active"]!.GetValue<string>());
        Assert.Equal(baseVersion, promoted["previous"]!.GetValue<string>());
        await WaitForVerdictAsync(HeadVersion, "Block");
        var rolledBack = await SendAsync(results, HttpMethod.Post, $"/models/registry/{Model}/rollback", null);
        Assert.Equal(baseVersion, rolledBack["active"]!.GetValue<string>());
        await WaitForVerdictAsync(baseVersion, "Allow");

        var audit = await GetAsync(results, "/audit?limit=500");
        var actions = audit["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "model.register", "model.activate", "model.shadow", "model.shadow-clear", "model.promote", "model.rollback", "backfill.start",
            "backfill.cancel", "backfill.resume", "verdict.redecide" }, actions);
    }

    /// <summary>Submits new media until one is judged by <paramref name="version"/> (workers reload within a second), then checks its decision.</summary>
    private async Task WaitForVerdictAsync(string version, string decision)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var id = (await SubmitAsync(1))[0];
            Assert.Equal("completed", InGest(await Ingest.WaitForEndAsync(id, Patience)));
            var row = await ScalarAsync<string>("SELECT model_version || ':' || decision FROM verdicts WHERE media_id = ANY(@ids)", [id]);
            if (row.StartsWith(version + ":", StringComparison.Ordinal))
            {
                Assert.Equal($"{version}:{decision}", row);
                return;
            }
        }

        throw new TimeoutException($"no verdict by {version}:\n{Cluster.Log(Cluster.Classifier)}");
    }

    private List<ReceivedCallback> Redecisions(Guid id) =>
        [.. _callbacks!.Received.Where(c => c.MediaId == id && c.Json?["event"]?.GetValue<string>() == "verdict.redecided")];

    private static string InGest(JsonNode status) => IngestApi.State(status);

    private async Task<List<Guid>> SubmitAsync(int count, string? file = null, string policy = Policy)
    {
        file ??= await TestMedia.PngAsync("steelblue", 64, 48);
        var ids = new List<Guid>(count);
        for (var i = 0; i < count; i++)
        {
            var (status, body, _) = await Ingest.SubmitAsync(TestMedia.UniqueCopy(file), configure: r => r.RequestUri = new Uri(
                $"/media?policy={policy}&callbackUrl={Uri.EscapeDataString(_callbacks!.Url + Guid.NewGuid().ToString("N"))}", UriKind.Relative));
            Assert.True(status == HttpStatusCode.Accepted, $"{status}: {body}");
            ids.Add(Guid.Parse(body!["mediaId"]!.GetValue<string>()));
        }

        return ids;
    }

    /// <summary>Four seconds of the archive's colour as a video: the base model allows every sampled frame, like the stills.</summary>
    private static Task<string> SteelblueVideoAsync() =>
        TestMedia.GenerateAsync("mp4", "-f", "lavfi", "-i", "color=c=steelblue:size=160x120:rate=10", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p");

    private string CopyBlob(string source, string key)
    {
        var target = Path.Combine(Cluster.Directory, "blobs", key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        return key;
    }

    /// <summary>A feedback head of the base model that puts Drawing at sigmoid(12) ≈ 0.999994 whatever the picture.</summary>
    private static JsonObject Head(JsonNode manifest) => new()
    {
        ["format"] = "moderation-head/1",
        ["version"] = HeadVersion,
        ["modelName"] = manifest["name"]!.GetValue<string>(),
        ["baseModelVersion"] = manifest["version"]!.GetValue<string>(),
        ["embeddingSize"] = manifest["outputs"]!["embeddingSize"]!.GetValue<int>(),
        ["createdAt"] = "2026-01-01T00:00:00Z",
        ["classes"] = new JsonArray(new JsonObject
        {
            ["class"] = "Drawing",
            ["weights"] = new JsonArray([.. Enumerable.Range(0, manifest["outputs"]!["embeddingSize"]!.GetValue<int>()).Select(_ => (JsonNode?)JsonValue.Create(0f))]),
            ["bias"] = 12f,
            ["operatingThreshold"] = 0.5,
        }),
    };

    private static async Task<JsonNode> ProgressAsync(HttpClient results, string backfillId) => (await GetAsync(results, $"/backfills/{backfillId}"))["progress"]!;

    private static async Task<JsonNode> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<JsonNode> SendAsync(HttpClient client, HttpMethod method, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length > 0 ? JsonNode.Parse(text)! : new JsonObject();
    }

    private async Task WaitForAsync(string what, Func<Task<bool>> condition) =>
        await WaitForAsync<object>(what, async () => await condition() ? new object() : null);

    private async Task<T> WaitForAsync<T>(string what, Func<Task<T?>> condition)
        where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition() is { } done)
            {
                return done;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{what}: not within {Patience}.\nclassifier:\n{Cluster.Log(Cluster.Classifier)}\nresults:\n{Cluster.Log(Cluster.Results)}");
    }

    private async Task<T> ScalarAsync<T>(string sql, IReadOnlyList<Guid> ids, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Cluster.ResultsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
