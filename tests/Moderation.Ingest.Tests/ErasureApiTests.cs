using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Moderation.Auth;
using Moderation.BlobStorage;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>
/// Who may call <c>DELETE /media/{id}</c>, decided by ingest before results is asked anything (the whole erasure,
/// through results, is in the end-to-end tests).
/// </summary>
public sealed class ErasureApiTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Delete_needs_the_submit_scope_and_answers_another_clients_or_an_unknown_medium_as_not_found_erasing_nothing()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(130 + Random.Shared.Next(100), 90));
        var sha = Convert.ToHexStringLower(SHA256.HashData(jpeg));
        using var upload = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes(jpeg));
        var accepted = await Http.AssertAcceptedAsync(upload);

        using var reader = ingest.Client(await ingest.CreateKeyAsync("tests", ModerationScopes.Read));
        using (var refused = await reader.DeleteAsync($"/media/{accepted.MediaId}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("urn:moderation:problem:insufficient-scope", (await ProblemAsync(refused))["type"]!.GetValue<string>());
        }

        using var other = ingest.Client(await ingest.CreateKeyAsync("someone-else", ModerationScopes.Submit, ModerationScopes.Read));
        foreach (var id in new[] { accepted.MediaId, Guid.NewGuid() })
        {
            using var missing = await other.DeleteAsync($"/media/{id}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("urn:moderation:problem:not-found", (await ProblemAsync(missing))["type"]!.GetValue<string>());
        }

        using (var tooLong = await ingest.Client(ingest.SubmitKey).DeleteAsync($"/media/{accepted.MediaId}?reason={new string('x', 1025)}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        Assert.True(File.Exists(Path.Combine(ingest.BlobRoot, BlobStorageExtensions.MediaKey(sha))));
        using var status = await ingest.Client(ingest.SubmitKey).GetAsync($"/media/{accepted.MediaId}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    private static async Task<JsonNode> ProblemAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}
