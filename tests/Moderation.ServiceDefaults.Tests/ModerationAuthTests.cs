using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>
/// <see cref="ModerationAuthExtensions.AddModerationAuth{TStore}"/> in a real Kestrel server on loopback: API keys in
/// either header, the problems that tell a caller what went wrong, and OIDC bearer tokens from a provider whose
/// discovery document and signing keys another loopback server publishes.
/// </summary>
public sealed class ModerationAuthTests : IAsyncLifetime, IDisposable
{
    private const string Audience = "moderation-api";
    private const string ReaderKey = "mod_0000aaaa_reader-key-for-the-auth-tests";
    private const string SubmitterKey = "mod_0000bbbb_submitter-key-for-the-auth-tests";
    private const string ReviewerKey = "mod_0000cccc_reviewer-key-for-the-auth-tests";
    private const string UnanswerableKey = "mod_0000dddd_the-store-cannot-answer-for-this";

    private readonly RSA _signing = RSA.Create(2048);
    private WebApplication _provider = null!;
    private WebApplication _api = null!;
    private HttpClient _http = null!;

    public static ConcurrentQueue<string> Lookups { get; } = new();

    private string Authority { get; set; } = "";

    public async Task InitializeAsync()
    {
        _provider = await StartAsync(WebApplication.CreateSlimBuilder(), app =>
        {
            app.MapGet("/.well-known/openid-configuration", () => TypedResults.Json(new Dictionary<string, object>
            {
                ["issuer"] = Authority,
                ["jwks_uri"] = Authority + "/jwks",
            }));
            var key = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_signing.ExportParameters(false)) { KeyId = "test-key" });
            app.MapGet("/jwks", () => TypedResults.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = key.KeyId, n = key.N, e = key.E } } }));
        });
        Authority = Address(_provider);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = Authority,
            ["Auth:Oidc:Audience"] = Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
            ["Auth:Oidc:ScopePrefix"] = "moderation.",
        });
        builder.Services.AddProblemDetails();
        builder.AddModerationAuth<TestKeyStore>();
        _api = await StartAsync(builder, app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            foreach (var scope in ModerationScopes.All)
            {
                app.MapGet("/" + scope, (ClaimsPrincipal user) => new Caller(user.ClientId(), user.GrantedScopes(), user.KeyId())).RequireAuthorization(scope);
            }
        });
        _http = new HttpClient { BaseAddress = new Uri(Address(_api)) };
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _provider.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _signing.Dispose();
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("X-Api-Key")]
    public async Task A_key_is_accepted_as_a_bearer_token_and_in_X_Api_Key(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/read");
        request.Headers.TryAddWithoutValidation(header, header == "Authorization" ? "Bearer " + ReaderKey : ReaderKey);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertCaller(await Read(response), "reader", [ModerationScopes.Read], "mod_0000aaaa");
        Assert.Contains(ApiKeyHash.Of(ReaderKey), Lookups);
        Assert.DoesNotContain(ReaderKey, Lookups);
    }

    [Fact]
    public async Task No_key_is_401_missing_api_key_naming_both_ways_to_send_one()
    {
        using var response = await _http.GetAsync("/read");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, AuthProblems.MissingApiKey);
        Assert.Equal(["Bearer", ApiKeyAuthenticationHandler.SchemeName], response.Headers.WwwAuthenticate.Select(h => h.Scheme));
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_is_401_invalid_api_key_and_garbage_never_reaches_the_store()
    {
        using var unknown = await Get("/read", "mod_0000ffff_nobody-was-ever-given-this-key");
        await AssertProblemAsync(unknown, HttpStatusCode.Unauthorized, AuthProblems.InvalidApiKey);

        var before = Lookups.Count;
        using var garbage = await Get("/read", "short");
        await AssertProblemAsync(garbage, HttpStatusCode.Unauthorized, AuthProblems.InvalidApiKey);
        Assert.Equal(before, Lookups.Count);
    }

    [Fact]
    public async Task A_store_that_cannot_answer_is_503_with_retry_after_not_401()
    {
        using var response = await Get("/read", UnanswerableKey);

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, AuthProblems.AuthenticationUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_missing_scope_is_403_naming_it()
    {
        using var response = await Get("/read", SubmitterKey);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden, AuthProblems.InsufficientScope);
        Assert.Equal([ModerationScopes.Read], problem.GetProperty("requiredScopes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Implied_scopes_pass_the_policies_over_http()
    {
        using var read = await Get("/read", ReviewerKey);
        using var review = await Get("/review", ReviewerKey);
        using var submit = await Get("/submit", ReviewerKey);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden), (read.StatusCode, review.StatusCode, submit.StatusCode));
    }

    [Fact]
    public async Task An_oidc_token_names_its_client_and_grants_the_scopes_of_the_same_model()
    {
        var token = Token(Authority, Audience, "partner", "openid profile moderation.review");

        using var review = await Get("/review", token);
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        AssertCaller(await Read(review), "partner", [ModerationScopes.Review], null);
        using var read = await Get("/read", token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var admin = await Get("/admin", token);
        await AssertProblemAsync(admin, HttpStatusCode.Forbidden, AuthProblems.InsufficientScope);
    }

    [Fact]
    public async Task Oidc_tokens_for_another_audience_from_another_issuer_or_with_a_forged_signature_are_refused()
    {
        using var otherAudience = await Get("/read", Token(Authority, "some-other-api", "partner", "moderation.read"));
        using var otherIssuer = await Get("/read", Token("https://issuer.invalid", Audience, "partner", "moderation.read"));
        using var forger = RSA.Create(2048);
        using var forged = await Get("/read", Token(Authority, Audience, "partner", "moderation.admin", forger));
        using var noClient = await Get("/read", Token(Authority, Audience, null, "moderation.read"));

        Assert.All([otherAudience, otherIssuer, forged, noClient], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    private string Token(string issuer, string audience, string? clientId, string scope, RSA? signWith = null)
    {
        var claims = new Dictionary<string, object> { ["scope"] = scope, ["sub"] = "user-1" };
        if (clientId is not null)
        {
            claims["client_id"] = clientId;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _signing) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
        });
    }

    private Task<HttpResponseMessage> Get(string path, string credential)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return _http.SendAsync(request);
    }

    private static void AssertCaller(Caller caller, string clientId, string[] scopes, string? keyId)
    {
        Assert.Equal((clientId, keyId), (caller.ClientId, caller.KeyId));
        Assert.Equal(scopes, caller.Scopes);
    }

    private static async Task<Caller> Read(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<Caller>(JsonSerializerOptions.Web))!;

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(type, problem.GetProperty("type").GetString());
        return problem.Clone();
    }

    private static async Task<WebApplication> StartAsync(WebApplicationBuilder builder, Action<WebApplication> map)
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    private sealed record Caller(string ClientId, IReadOnlyList<string> Scopes, string? KeyId);

    /// <summary>A key store holding three keys, and one key whose lookup finds the store unable to answer.</summary>
    private sealed class TestKeyStore : IApiKeyStore
    {
        private static readonly Dictionary<string, ApiKeyIdentity> Keys = new()
        {
            [ApiKeyHash.Of(ReaderKey)] = new(true, "reader", [ModerationScopes.Read], "mod_0000aaaa"),
            [ApiKeyHash.Of(SubmitterKey)] = new(true, "submitter", [ModerationScopes.Submit], "mod_0000bbbb"),
            [ApiKeyHash.Of(ReviewerKey)] = new(true, "reviewer", [ModerationScopes.Review], "mod_0000cccc"),
        };

        public Task<ApiKeyLookup> FindAsync(string keyHash, CancellationToken cancellationToken)
        {
            Lookups.Enqueue(keyHash);
            return Task.FromResult(keyHash == ApiKeyHash.Of(UnanswerableKey) ? ApiKeyLookup.NoAnswer
                : Keys.TryGetValue(keyHash, out var identity) ? ApiKeyLookup.Found(identity) : ApiKeyLookup.Unknown);
        }
    }
}
