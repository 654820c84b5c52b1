using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Auth;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>
/// The scope model, asserted once for every service: ingest, results and the dashboard all authorize with the policies of
/// <see cref="ModerationAuthExtensions.AddModerationAuthorization"/> (checked below), so this table is what each of them allows.
/// </summary>
public sealed class ScopeModelTests
{
    private const string S = ModerationScopes.Submit;
    private const string R = ModerationScopes.Read;
    private const string V = ModerationScopes.Review;
    private const string A = ModerationScopes.Admin;

    /// <summary>Granted scope → everything it allows. admin ⇒ review ⇒ read; admin ⇒ submit; submit and read imply nothing.</summary>
    public static TheoryData<string, string[]> Hierarchy => new()
    {
        { S, [S] },
        { R, [R] },
        { V, [V, R] },
        { A, [A, V, R, S] },
    };

    [Theory]
    [MemberData(nameof(Hierarchy))]
    public void Each_scope_allows_itself_and_exactly_what_it_implies(string granted, string[] allowed)
    {
        Assert.Equal(allowed.Order(), ModerationScopes.Effective([granted]).Order());
        foreach (var scope in ModerationScopes.All)
        {
            Assert.Equal(allowed.Contains(scope), ModerationScopes.Allows([granted], scope));
        }
    }

    [Fact]
    public void Grants_combine_and_unknown_names_grant_nothing()
    {
        Assert.Equal([R, S], ModerationScopes.Effective([S, R]).Order());
        Assert.Empty(ModerationScopes.Effective(["Admin", "root", "*", "read "]));
        Assert.Equal([S, R, V, A], ModerationScopes.All);
    }

    [Theory]
    [InlineData(new[] { S }, false)]
    [InlineData(new[] { R }, false)]
    [InlineData(new[] { S, R }, false)]
    [InlineData(new[] { V }, true)]
    [InlineData(new[] { A }, true)]
    public void Only_review_and_admin_see_every_clients_media(string[] granted, bool seesEveryClient)
    {
        var user = new ClaimsPrincipal(ModerationClaims.Identity("test", "wiki", granted, "mod_0000aaaa"));

        Assert.Equal(seesEveryClient, ModerationScopes.SeesEveryClient(granted));
        Assert.Equal(seesEveryClient ? null : "wiki", user.MediaOwnerFilter());
        Assert.Equal(("wiki", "mod_0000aaaa"), (user.ClientId(), user.KeyId()));
        Assert.Equal(granted.Order(), user.GrantedScopes().Order());
    }

    /// <summary>Every combination of grants against every policy: the policies are the table, nothing more or less.</summary>
    [Fact]
    public async Task The_policy_named_after_each_scope_admits_exactly_the_grants_that_imply_it()
    {
        await using var services = new ServiceCollection().AddLogging().AddModerationAuthorization().Services.BuildServiceProvider();
        var authorization = services.GetRequiredService<IAuthorizationService>();
        var all = ModerationScopes.All;
        for (var mask = 0; mask < 1 << all.Count; mask++)
        {
            var granted = all.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            var user = new ClaimsPrincipal(ModerationClaims.Identity("test", "client", granted));
            foreach (var policy in all)
            {
                var expected = granted.Any(g => Hierarchy.Any(row => (string)row[0] == g && ((string[])row[1]).Contains(policy)));
                Assert.True(expected == (await authorization.AuthorizeAsync(user, policy)).Succeeded,
                    $"grants [{string.Join(",", granted)}] with policy '{policy}': expected {(expected ? "allowed" : "refused")}");
            }
        }

        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());
        var fallback = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();
        Assert.False((await authorization.AuthorizeAsync(anonymous, fallback!)).Succeeded);
    }

    /// <summary>
    /// Each service with an API (ingest, results, the dashboard) takes authentication and scope checks from Moderation.Auth:
    /// none of them defines an authorization handler, requirement, policy provider or answer of its own, and the only
    /// authentication handler left in a service is ingest's webhook signature check (which grants submit through the same model).
    /// </summary>
    [Theory]
    [InlineData("Moderation.Ingest", new[] { "Moderation.Ingest.Auth.WebhookAuthenticationHandler" })]
    [InlineData("Moderation.Results", new string[0])]
    [InlineData("Moderation.Dashboard", new string[0])]
    public void Every_service_authorizes_with_the_shared_model_only(string assemblyName, string[] ownAuthenticationHandlers)
    {
        var assembly = Assembly.Load(assemblyName);
        Assert.Contains(assembly.GetReferencedAssemblies(), r => r.Name == "Moderation.Auth");

        var types = assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }).ToList();
        Type[] ownRules = [typeof(IAuthorizationHandler), typeof(IAuthorizationRequirement), typeof(IAuthorizationPolicyProvider),
            typeof(Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler)];
        Assert.Empty(types.Where(t => ownRules.Any(r => r.IsAssignableFrom(t))).Select(t => t.FullName));
        Assert.Equal(ownAuthenticationHandlers, types.Where(t => typeof(IAuthenticationHandler).IsAssignableFrom(t)).Select(t => t.FullName!).Order());
    }
}
