using System.Net;
using System.Net.Http.Json;
using Moderation.Results.Apis;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFixture fixture)
{
    [Fact]
    public async Task Everything_but_health_needs_an_api_key()
    {
        using var anonymous = fixture.App.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        foreach (var path in new[] { "/media?limit=1", $"/media/{Guid.NewGuid()}", "/policies", "/evaluation", "/reviews/next", "/models/heads" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Keys_unknown_locally_are_checked_with_ingest_over_rabbitmq_and_cached()
    {
        using var client = fixture.App.Client(ApiFixture.IngestKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/policies")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/media?limit=1")).StatusCode);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ApiFixture.IngestKey)));
        Assert.Single(fixture.KeyLookups, h => h == hash);

        // The key's scopes are submit and read: no administration.
        var create = await client.PostAsJsonAsync("/policies", new PolicyRequest("x", null, null, null, null), ResultsApp.Json);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);

        using var wrong = fixture.App.Client("not-a-key-anyone-issued-000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/policies")).StatusCode);
        Assert.DoesNotContain(fixture.KeyLookups, h => h == "not-a-key-anyone-issued-000");
    }

    [Fact]
    public async Task Static_keys_never_leave_the_process()
    {
        var before = fixture.KeyLookups.Count;
        using var client = fixture.App.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/policies")).StatusCode);
        Assert.Equal(before, fixture.KeyLookups.Count);
    }
}
