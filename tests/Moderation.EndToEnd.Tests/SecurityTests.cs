using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>The doors of the running cluster: nothing but health is anonymous, scopes hold, replays and injections fail.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SecurityTests(ClusterFixture fixture)
{
    private static readonly string[] AnonymousPaths = ["/health/live", "/health/ready", "/openapi/v1.json", "/scalar"];

    public static TheoryData<string> ApiServices => new() { Cluster.Ingest, Cluster.Results };

    [Theory]
    [MemberData(nameof(ApiServices))]
    public async Task Every_documented_endpoint_but_health_refuses_anonymous_callers(string service)
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(service) };
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var checkedEndpoints = 0;
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            if (AnonymousPaths.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var (method, _) in operations!.AsObject())
            {
                var concrete = System.Text.RegularExpressions.Regex.Replace(path, "{[^}]+}", Guid.NewGuid().ToString());
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), concrete);
                if (method is "post" or "put" or "patch")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                    $"{service} {method.ToUpperInvariant()} {path} answered {(int)response.StatusCode} to an anonymous caller");
                checkedEndpoints++;
            }
        }

        Assert.True(checkedEndpoints >= 4, $"only {checkedEndpoints} endpoints documented by {service}");
    }

    [Fact]
    public async Task A_reviewer_key_cannot_change_policies_or_create_keys()
    {
        var reviewerKey = (await fixture.Cluster.RunOnceAsync(Cluster.Ingest, "keys", "create", "--client", "reviewer-" + Guid.NewGuid().ToString("N")[..8], "--scopes", "read,review", "--quiet")).Trim();
        using var results = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Results) };
        results.DefaultRequestHeaders.Add("X-Api-Key", reviewerKey);
        using var ingest = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Ingest) };
        ingest.DefaultRequestHeaders.Add("X-Api-Key", reviewerKey);

        using var policies = await results.GetAsync("/policies");
        Assert.Equal(HttpStatusCode.OK, policies.StatusCode);

        using var newPolicy = await results.PostAsync("/policies", Json("""{"name":"default","block":{"Drawing":0.1},"review":{},"earlyExit":true,"comment":"not allowed"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, newPolicy.StatusCode);

        using var newKey = await ingest.PostAsync("/admin/keys", Json("""{"clientId":"intruder","scopes":["admin"]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, newKey.StatusCode);

        var unchanged = JsonNode.Parse(await (await results.GetAsync("/policies")).Content.ReadAsStringAsync())!.ToJsonString();
        Assert.DoesNotContain("not allowed", unchanged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_or_stale_webhook_is_refused()
    {
        using var ingest = new HttpClient { BaseAddress = fixture.Cluster.BaseAddress(Cluster.Ingest) };
        var body = $$"""{"url":"http://127.0.0.1:9/none.jpg","externalId":"File:Replay-{{Guid.NewGuid():N}}.jpg","deliveryId":"{{Guid.NewGuid()}}"}""";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var first = await ingest.SendAsync(SignedHook(body, now));
        Assert.NotEqual(HttpStatusCode.Unauthorized, first.StatusCode);

        using var replay = await ingest.SendAsync(SignedHook(body, now));
        Assert.True(replay.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Conflict, $"replay answered {(int)replay.StatusCode}");

        using var stale = await ingest.SendAsync(SignedHook(body.Replace("File:", "File:Stale-", StringComparison.Ordinal), now - 3600));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);

        using var forged = SignedHook(body, now);
        forged.Headers.Remove("X-Moderation-Signature");
        forged.Headers.Add("X-Moderation-Signature", "sha256=" + new string('0', 64));
        using var forgedAnswer = await ingest.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedAnswer.StatusCode);
    }

    [Theory]
    [InlineData("/media/' OR 1=1 --")]
    [InlineData("/media/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/media/%00")]
    [InlineData("/media?externalId=' OR '1'='1")]
    [InlineData("/media?sha256=';DROP TABLE media;--")]
    public async Task Injection_attempts_in_ids_and_names_are_harmless(string path)
    {
        using var results = fixture.Cluster.Client(Cluster.Results);
        using var ingest = fixture.Cluster.Client(Cluster.Ingest);

        foreach (var client in new[] { results, ingest })
        {
            using var response = await client.GetAsync(path);
            Assert.True((int)response.StatusCode < 500, $"{client.BaseAddress}{path} answered {(int)response.StatusCode}");
            if (response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
            }
        }

        using var stillThere = await results.GetAsync("/media?limit=1");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage SignedHook(string body, long timestamp)
    {
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ClusterFixture.WebhookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/upload") { Content = Json(body) };
        request.Headers.Add("X-Moderation-Client", ClusterFixture.WebhookClient);
        request.Headers.Add("X-Moderation-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Moderation-Signature", "sha256=" + signature);
        return request;
    }
}
