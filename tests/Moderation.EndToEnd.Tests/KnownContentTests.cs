using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Hash banks through the running cluster: known pictures (and edited copies of them) are decided by the bank before
/// any model runs, in stills and in videos; nothing else matches; one client's banks never touch another's media.
/// Every bank here belongs to a client of the test's own, so the other tests sharing the cluster never meet it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KnownContentTests(ClusterFixture fixture)
{
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Textured pictures (PDQ needs texture: flat pictures have no useful hash), as the originals a bank learns. The
    /// fractal and the cellular automaton are blurred a little: raw, their detail sits at the pixel scale, where halving
    /// the size or mirroring aliases differently (measured with our hasher: 60 and 84 bits apart), which no photograph
    /// does; blurred, every edit below stays within 14 bits and the mirror within 24 (nearest orientation).
    /// </summary>
    private static readonly string[][] Sources =
    [
        ["-f", "lavfi", "-i", "mandelbrot=size=640x480:start_scale=1.5", "-vf", "gblur=sigma=3", "-frames:v", "1", "-q:v", "2"],
        ["-f", "lavfi", "-i", "life=size=640x480:ratio=0.4:seed=7:mold=10", "-vf", "gblur=sigma=4", "-frames:v", "1", "-q:v", "2"],
        ["-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-q:v", "2"],
    ];

    /// <summary>The edits a bank must see through, each an ffmpeg output option list applied to the original.</summary>
    private static readonly (string Name, string Extension, string[] Arguments)[] Edits =
    [
        ("resized-50", "jpg", ["-vf", "scale=iw/2:ih/2", "-q:v", "3"]),
        // ffmpeg's -q:v 16 quantises about as coarsely as libjpeg's quality 30.
        ("jpeg-q30", "jpg", ["-q:v", "16"]),
        ("brightened", "jpg", ["-vf", "eq=brightness=0.1", "-q:v", "3"]),
        ("png", "png", []),
        ("mirrored", "jpg", ["-vf", "hflip", "-q:v", "3"]),
    ];

    [Fact]
    public async Task Edited_copies_of_banked_pictures_are_blocked_with_a_match_before_the_model_and_unrelated_pictures_never_match()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var client = "banks-" + run;
        using var ingest = await ClientAsync(client);
        using var admin = fixture.Cluster.Client(Cluster.Results);
        var bank = "known-" + run;
        await CreateBankAsync(admin, bank, "block", client);

        var originals = new List<string>();
        foreach (var source in Sources)
        {
            var original = await TestMedia.GenerateAsync("jpg", source);
            originals.Add(original);
            var entry = await AddPictureAsync(admin, bank, original);
            Assert.Matches("^[0-9a-f]{64}$", entry["pdq"]!.GetValue<string>());
            Assert.True(entry["quality"]!.GetValue<int>() >= 50, entry.ToJsonString());
        }

        foreach (var original in originals)
        {
            foreach (var (name, extension, arguments) in Edits)
            {
                var copy = TestMedia.UniqueCopy(await TestMedia.GenerateAsync(extension, ["-i", original, .. arguments, "-frames:v", "1"]));
                var status = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(copy, $"{name}.{extension}"), VerdictTimeout);
                var what = $"{name} copy of {Path.GetFileName(original)}: {status.ToJsonString()}";
                Assert.True(IngestApi.State(status) == "completed", what);
                Assert.True(status["verdict"]!["decision"]!.GetValue<string>() == "block", what);
                var match = Assert.Single(status["verdict"]!["matches"]!.AsArray());
                Assert.Equal(bank, match!["bank"]!.GetValue<string>());
                Assert.InRange(match["distance"]!.GetValue<int>(), 0, 31);
                Assert.Equal(0, match["frameIndex"]!.GetValue<int>());
                // Decided by the bank alone: no frame reached the classifier.
                Assert.True(status["framesScored"]!.GetValue<int>() == 0, what);
                Assert.Matches("^[0-9a-f]{64}$", Assert.Single(status["hashes"]!.AsArray())!["pdq"]!.GetValue<string>());
            }
        }

        // Pictures the bank does not hold: photographs, clip art and other generated patterns, all classified by the model.
        List<string> unrelated = [.. TestMedia.Photos(3), .. TestMedia.ClipArt(2),
            await TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "cellauto=rule=110:size=640x480", "-vf", "select=eq(n\\,479)", "-frames:v", "1"),
            await TestMedia.GenerateAsync("jpg", "-f", "lavfi", "-i", "mandelbrot=size=640x480:start_scale=0.02:start_x=-0.743643887037151:start_y=0.131825904205330", "-frames:v", "1", "-q:v", "3")];
        foreach (var picture in unrelated)
        {
            var status = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(picture)), VerdictTimeout);
            Assert.True(IngestApi.State(status) == "completed", $"{picture}: {status.ToJsonString()}");
            Assert.True(status["verdict"]!["matches"]!.AsArray().Count == 0, $"{picture} matched: {status.ToJsonString()}");
            Assert.True(status["framesScored"]!.GetValue<int>() == 1, $"{picture} was not classified: {status.ToJsonString()}");
        }
    }

    [Fact]
    public async Task A_slideshow_showing_a_banked_picture_from_9_to_12_seconds_is_blocked_with_a_match_inside_that_window()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var client = "slides-" + run;
        using var ingest = await ClientAsync(client);
        using var admin = fixture.Cluster.Client(Cluster.Results);
        var bank = "slides-" + run;
        await CreateBankAsync(admin, bank, "block", client);
        var banked = await TestMedia.GenerateAsync("jpg", Sources[0]);
        await AddPictureAsync(admin, bank, banked);

        var before = await TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "life=size=640x480:ratio=0.5:seed=99:mold=5", "-frames:v", "1");
        var after = TestMedia.Photos(1)[0];
        var slideshow = await TestMedia.GenerateAsync("mp4",
            "-loop", "1", "-t", "9", "-i", before, "-loop", "1", "-t", "3", "-i", banked, "-loop", "1", "-t", "8", "-i", after,
            "-filter_complex", string.Join(';', Enumerable.Range(0, 3).Select(i => $"[{i}:v]scale=640:480,setsar=1,fps=10,format=yuv420p[v{i}]"))
                + ";[v0][v1][v2]concat=n=3:v=1:a=0[out]",
            "-map", "[out]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "20");

        var status = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(slideshow)), VerdictTimeout);
        Assert.True(IngestApi.State(status) == "completed", status.ToJsonString());
        var verdict = status["verdict"]!;
        Assert.Equal("block", verdict["decision"]!.GetValue<string>());
        Assert.True(verdict["decidedEarly"]!.GetValue<bool>(), status.ToJsonString());
        var matches = verdict["matches"]!.AsArray();
        Assert.NotEmpty(matches);
        foreach (var match in matches)
        {
            Assert.Equal(bank, match!["bank"]!.GetValue<string>());
            Assert.InRange(match["timestampSeconds"]!.GetValue<double>(), 9.0, 12.0);
        }

        // The block match stopped the extraction: not every planned frame was hashed, and the banked picture's were.
        var hashed = status["hashes"]!.AsArray().Select(h => h!["timestampSeconds"]!.GetValue<double>()).ToList();
        Assert.True(hashed.Count < 20, $"hashed at {string.Join(", ", hashed)}");
        Assert.Contains(hashed, t => t is >= 9.0 and <= 12.0);
    }

    [Fact]
    public async Task A_clients_bank_never_matches_or_shows_in_another_clients_media_and_only_admins_see_banks()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var owner = await ClientAsync("owner-" + run);
        using var other = await ClientAsync("other-" + run);
        using var admin = fixture.Cluster.Client(Cluster.Results);
        var bank = "private-" + run;
        await CreateBankAsync(admin, bank, "block", "owner-" + run);
        var picture = await TestMedia.GenerateAsync("jpg", Sources[1]);
        await AddPictureAsync(admin, bank, picture);

        var blocked = await owner.WaitForEndAsync(await owner.SubmitAcceptedAsync(TestMedia.UniqueCopy(picture)), VerdictTimeout);
        Assert.Equal(bank, Assert.Single(blocked["verdict"]!["matches"]!.AsArray())!["bank"]!.GetValue<string>());

        var theirs = await other.WaitForEndAsync(await other.SubmitAcceptedAsync(TestMedia.UniqueCopy(picture)), VerdictTimeout);
        Assert.True(IngestApi.State(theirs) == "completed", theirs.ToJsonString());
        Assert.Empty(theirs["verdict"]!["matches"]!.AsArray());
        Assert.Equal(1, theirs["framesScored"]!.GetValue<int>());
        Assert.DoesNotContain(bank, theirs.ToJsonString(), StringComparison.Ordinal);

        // Banks are the administrators': a client's own read key neither lists nor reads them.
        using var results = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Results) };
        results.DefaultRequestHeaders.Add("X-Api-Key", other.Http.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
        using (var listed = await results.GetAsync("/banks"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, listed.StatusCode);
        }

        using (var entries = await results.GetAsync($"/banks/{bank}/entries"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, entries.StatusCode);
        }
    }

    [Fact]
    public async Task Banks_refuse_flat_pictures_import_and_export_hash_lists_and_delete_entries_and_banks()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        using var admin = fixture.Cluster.Client(Cluster.Results);
        var bank = "list-" + run;
        await CreateBankAsync(admin, bank, "review", "list-client-" + run);

        using (var again = await admin.PostAsJsonAsync("/banks", new { name = bank, action = "block" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        using (var flat = await PostPictureAsync(admin, bank, await TestMedia.PngAsync("steelblue", 320, 240)))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, flat.StatusCode);
            var problem = JsonNode.Parse(await flat.Content.ReadAsStringAsync())!;
            Assert.Equal("urn:moderation:problem:pdq-quality-too-low", problem["type"]!.GetValue<string>());
            Assert.True(problem["quality"]!.GetValue<int>() < 50, problem.ToJsonString());
        }

        using (var low = await admin.PostAsJsonAsync($"/banks/{bank}/entries", new { pdq = new string('a', 64), quality = 10 }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, low.StatusCode);
        }

        const string first = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        const string second = "0000000000000000ffffffffffffffff00000000000000001111111111111111";
        var csv = $"pdq_hex,note\n{first},\"from a list, with a comma\"\n\n{second}\n{first.ToUpperInvariant()},again\nnot-a-hash,x\n{first[..60]}\n";
        using (var import = await admin.PostAsync($"/banks/{bank}/entries:import", new StringContent(csv, Encoding.UTF8, "text/csv")))
        {
            var counts = JsonNode.Parse(await import.Content.ReadAsStringAsync())!;
            Assert.True(import.IsSuccessStatusCode, counts.ToJsonString());
            Assert.Equal((2, 1, 2), (counts["added"]!.GetValue<int>(), counts["duplicate"]!.GetValue<int>(), counts["invalid"]!.GetValue<int>()));
        }

        using (var json = await admin.PostAsJsonAsync($"/banks/{bank}/entries", new { pdq = second, note = "once more" }))
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
            Assert.True(JsonNode.Parse(await json.Content.ReadAsStringAsync())!["duplicate"]!.GetValue<bool>());
        }

        var page = JsonNode.Parse(await admin.GetStringAsync($"/banks/{bank}/entries?limit=1"))!;
        var firstEntry = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(first, firstEntry["pdq"]!.GetValue<string>());
        Assert.Equal("from a list, with a comma", firstEntry["note"]!.GetValue<string>());
        var next = JsonNode.Parse(await admin.GetStringAsync($"/banks/{bank}/entries?limit=1&after={page["nextAfter"]!.GetValue<string>()}"))!;
        Assert.Equal(second, Assert.Single(next["items"]!.AsArray())!["pdq"]!.GetValue<string>());

        using (var export = new HttpRequestMessage(HttpMethod.Get, $"/banks/{bank}/entries"))
        {
            export.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            using var response = await admin.SendAsync(export);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["pdq_hex,note", $"{first},\"from a list, with a comma\"", second], lines);
        }

        using (var removed = await admin.DeleteAsync($"/banks/{bank}/entries/{firstEntry["id"]!.GetValue<string>()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var left = JsonNode.Parse(await admin.GetStringAsync($"/banks/{bank}/entries"))!["items"]!.AsArray();
        Assert.Equal([second], left.Select(e => e!["pdq"]!.GetValue<string>()));
        using (var deleted = await admin.DeleteAsync($"/banks/{bank}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await admin.GetAsync($"/banks/{bank}/entries");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_near_duplicate_still_of_the_same_client_reuses_the_decision_without_inference()
    {
        using var ingest = await ClientAsync(ClusterFixture.NearDuplicateClient);
        // A textured photograph (licorice-l): at half the size and a coarser JPEG it stays 4 bits from the original.
        var photo = await TestMedia.GenerateAsync("jpg", "-i", TestMedia.Photos(16)[5], "-vf", "scale='min(800,iw)':-2", "-frames:v", "1", "-q:v", "3");
        var first = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(photo)), VerdictTimeout);
        Assert.True(IngestApi.State(first) == "completed", first.ToJsonString());
        Assert.Equal(1, first["framesScored"]!.GetValue<int>());
        var firstId = first["mediaId"]!.GetValue<string>();

        var smaller = TestMedia.UniqueCopy(await TestMedia.GenerateAsync("jpg", "-i", photo, "-vf", "scale=iw/2:-2", "-q:v", "8", "-frames:v", "1"));
        var second = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(smaller), VerdictTimeout);
        Assert.True(IngestApi.State(second) == "completed", second.ToJsonString());
        Assert.Equal(firstId, second["verdict"]!["reusedFromMediaId"]!.GetValue<string>());
        Assert.Equal(first["verdict"]!["decision"]!.GetValue<string>(), second["verdict"]!["decision"]!.GetValue<string>());
        Assert.Equal(0, second["framesScored"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_reviewer_adds_a_reviewed_picture_to_a_bank_and_undoing_the_decision_removes_it()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var client = "review-" + run;
        using var ingest = await ClientAsync(client);
        using var admin = fixture.Cluster.Client(Cluster.Results);
        var flagged = "flagged-" + run;
        var cleared = "cleared-" + run;
        await CreateBankAsync(admin, flagged, "review", client);
        await CreateBankAsync(admin, cleared, "allow", client);
        var picture = await TestMedia.GenerateAsync("jpg", Sources[2]);
        await AddPictureAsync(admin, flagged, picture);

        var status = await ingest.WaitForEndAsync(await ingest.SubmitAcceptedAsync(TestMedia.UniqueCopy(picture)), VerdictTimeout);
        Assert.Equal("review", status["verdict"]!["decision"]!.GetValue<string>());
        var mediaId = status["mediaId"]!.GetValue<string>();

        // A reviewer of its own, so that the tasks of other tests it passes over stay offered to everyone else.
        var key = (await fixture.Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", "reviewer-" + run, "--scopes", "review", "--quiet")).Trim();
        using var reviewer = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Results) };
        reviewer.DefaultRequestHeaders.Add("X-Api-Key", key);
        string? taskId = null;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (taskId is null && DateTime.UtcNow < deadline)
        {
            using var claim = await reviewer.GetAsync("/reviews/next");
            if (claim.StatusCode == HttpStatusCode.NoContent)
            {
                await Task.Delay(200);
                continue;
            }

            var next = JsonNode.Parse(await claim.Content.ReadAsStringAsync())!;
            if (next["mediaId"]!.GetValue<string>() == mediaId)
            {
                Assert.Equal("bank", next["reason"]!.GetValue<string>());
                taskId = next["taskId"]!.GetValue<string>();
            }
            else
            {
                (await reviewer.PostAsync($"/reviews/{next["taskId"]!.GetValue<string>()}/skip", null)).Dispose();
            }
        }

        Assert.NotNull(taskId);
        using (var foreign = await reviewer.PostAsJsonAsync($"/reviews/{taskId}/decision", new { decision = "allow", addToBank = "no-such-bank-" + run }))
        {
            Assert.Equal(HttpStatusCode.Conflict, foreign.StatusCode);
        }

        using (var decided = await reviewer.PostAsJsonAsync($"/reviews/{taskId}/decision", new { decision = "allow", addToBank = cleared }))
        {
            Assert.True(decided.IsSuccessStatusCode, await decided.Content.ReadAsStringAsync());
        }

        var entry = Assert.Single(JsonNode.Parse(await admin.GetStringAsync($"/banks/{cleared}/entries"))!["items"]!.AsArray())!;
        Assert.Equal(mediaId, entry["sourceMediaId"]!.GetValue<string>());
        Assert.Equal(Assert.Single(status["hashes"]!.AsArray())!["pdq"]!.GetValue<string>(), entry["pdq"]!.GetValue<string>());

        using (var undone = await reviewer.PostAsync($"/reviews/{taskId}/undo", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, undone.StatusCode);
        }

        Assert.Empty(JsonNode.Parse(await admin.GetStringAsync($"/banks/{cleared}/entries"))!["items"]!.AsArray());
    }

    private static async Task CreateBankAsync(HttpClient admin, string name, string action, string client)
    {
        using var response = await admin.PostAsJsonAsync("/banks", new { name, action, maxDistance = 31, clientId = client });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> AddPictureAsync(HttpClient admin, string bank, string picture)
    {
        using var response = await PostPictureAsync(admin, bank, picture);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{picture}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<HttpResponseMessage> PostPictureAsync(HttpClient admin, string bank, string picture)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(picture));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "file", Path.GetFileName(picture));
        content.Add(new StringContent("test picture " + Path.GetFileName(picture)), "note");
        return await admin.PostAsync($"/banks/{bank}/entries", content);
    }

    private async Task<IngestApi> ClientAsync(string clientId)
    {
        var key = (await fixture.Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", clientId, "--scopes", "submit,read", "--quiet")).Trim();
        var http = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Ingest) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new IngestApi(http);
    }
}
