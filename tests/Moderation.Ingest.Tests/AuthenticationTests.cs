using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Apis;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

public sealed class AuthenticationTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Missing_key_is_401_missing_api_key_with_a_bearer_challenge()
    {
        using var response = await ingest.Client().PostAsync("/media", Http.Bytes([0xFF, 0xD8, 0xFF, 0xE0]));
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, AuthProblems.MissingApiKey);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("mod_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-key")]
    public async Task Unknown_key_is_401_invalid_api_key(string key)
    {
        using var response = await ingest.Client(key).GetAsync($"/media/{Guid.NewGuid()}");
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, AuthProblems.InvalidApiKey);
    }

    [Fact]
    public async Task Key_in_X_Api_Key_header_is_accepted()
    {
        using var client = ingest.Client();
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, ingest.SubmitKey);
        using var response = await client.GetAsync($"/media/{Guid.NewGuid()}");
        await Http.AssertProblemAsync(response, HttpStatusCode.NotFound, Problems.NotFound);
    }

    [Fact]
    public async Task Key_without_submit_scope_is_403_naming_the_scope()
    {
        var readOnly = await ingest.CreateKeyAsync("reader", ModerationScopes.Read);
        using var response = await ingest.Client(readOnly).PostAsync("/media", Http.Bytes(await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48))));
        var problem = await Http.AssertProblemAsync(response, HttpStatusCode.Forbidden, AuthProblems.InsufficientScope);
        Assert.Equal(ModerationScopes.Submit, problem.GetProperty("requiredScopes")[0].GetString());
        Assert.DoesNotContain(ingest.Pipeline.State.Submitted, s => s.Message.ClientId == "reader");
    }

    [Fact]
    public async Task Key_without_read_scope_cannot_read_status()
    {
        var submitOnly = await ingest.CreateKeyAsync("submitter", ModerationScopes.Submit);
        using var response = await ingest.Client(submitOnly).GetAsync($"/media/{Guid.NewGuid()}");
        await Http.AssertProblemAsync(response, HttpStatusCode.Forbidden, AuthProblems.InsufficientScope);
    }

    [Fact]
    public async Task Revoked_key_is_refused()
    {
        var key = await ingest.CreateKeyAsync("revoked", ModerationScopes.Read);
        var admin = await ingest.CreateKeyAsync("admin", ModerationScopes.Admin);
        using var admins = ingest.Client(admin);
        using (var before = await ingest.Client(key).GetAsync($"/media/{Guid.NewGuid()}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        using (var revoke = await admins.DeleteAsync($"/admin/keys/{key[..12]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var after = await ingest.Client(key).GetAsync($"/media/{Guid.NewGuid()}");
        await Http.AssertProblemAsync(after, HttpStatusCode.Unauthorized, AuthProblems.InvalidApiKey);
    }

    [Fact]
    public async Task Admin_endpoint_creates_a_working_key_and_stores_only_its_hash()
    {
        var admin = await ingest.CreateKeyAsync("admin", ModerationScopes.Admin);
        using var response = await ingest.Client(admin).PostAsJsonAsync("/admin/keys", new CreateApiKeyRequest("partner", [ModerationScopes.Read], "partner key"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await Http.ReadAsync<CreatedApiKeyResponse>(response);
        Assert.StartsWith(created.KeyPrefix + "_", created.Key, StringComparison.Ordinal);

        await using var scope = ingest.Factory.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IngestDbContext>().ApiClients.SingleAsync(c => c.Id == created.Id);
        Assert.Equal(ApiKeyHash.Of(created.Key), stored.KeyHash);
        Assert.DoesNotContain(created.Key[13..], stored.KeyHash + stored.KeyPrefix + stored.Description, StringComparison.Ordinal);

        using var read = await ingest.Client(created.Key).GetAsync($"/media/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task Admin_endpoints_need_the_admin_scope()
    {
        using var response = await ingest.Client(ingest.SubmitKey).GetAsync("/admin/keys");
        await Http.AssertProblemAsync(response, HttpStatusCode.Forbidden, AuthProblems.InsufficientScope);
    }

    [Fact]
    public async Task Health_and_api_reference_are_anonymous_and_everything_else_is_not()
    {
        using var client = ingest.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/media:by-url", openApi, StringComparison.Ordinal);
        Assert.Contains("/hooks/upload", openApi, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/no-such-endpoint")).StatusCode);
    }

    [Fact]
    public async Task Other_services_authenticate_keys_by_hash_over_the_bus()
    {
        var key = await ingest.CreateKeyAsync("dashboard", ModerationScopes.Review, ModerationScopes.Read);
        var client = ingest.Pipeline.AuthenticateClient();

        var valid = (await client.GetResponse<ApiKeyIdentity>(new AuthenticateApiKey(ApiKeyHash.Of(key)))).Message;
        Assert.True(valid.Valid);
        Assert.Equal("dashboard", valid.ClientId);
        Assert.Equal([ModerationScopes.Read, ModerationScopes.Review], valid.Scopes.Order());

        var invalid = (await client.GetResponse<ApiKeyIdentity>(new AuthenticateApiKey(ApiKeyHash.Of(key + "x")))).Message;
        Assert.False(invalid.Valid);
        Assert.Null(invalid.ClientId);
        Assert.Empty(invalid.Scopes);
    }
}
