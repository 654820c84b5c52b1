using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Moderation.ServiceDefaults;

namespace Moderation.Auth;

/// <summary>Authentication and authorization of the HTTP services, written once.</summary>
public static class ModerationAuthExtensions
{
    /// <summary>The default scheme: picks the OIDC bearer scheme for a JWT, the API key scheme for anything else.</summary>
    public const string Scheme = "Moderation";

    public const string OidcScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>
    /// API keys (looked up by hash in <typeparamref name="TStore"/>) and, when <c>Auth:Oidc:Authority</c> is set, OIDC
    /// bearer tokens; the scope policies of <see cref="AddModerationAuthorization"/>; and 403 answers that name the
    /// missing scope. Returns the authentication builder for schemes of the service's own (ingest's webhook signatures).
    /// </summary>
    public static AuthenticationBuilder AddModerationAuth<TStore>(this IHostApplicationBuilder builder)
        where TStore : class, IApiKeyStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddValidatedOptions<OidcOptions>(OidcOptions.Section);
        services.AddScoped<IApiKeyStore, TStore>();
        services.AddModerationAuthorization();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeProblemResultHandler>();
        services.AddOptions<JwtBearerOptions>(OidcScheme).Configure<IOptions<OidcOptions>>((jwt, oidc) => ConfigureJwt(jwt, oidc.Value));

        return services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or OIDC bearer token", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(OidcScheme, _ => { });
    }

    /// <summary>
    /// The authorization policies, named after the scopes (<c>RequireAuthorization(ModerationScopes.Read)</c>), each met
    /// by any grant that implies its scope; every endpoint not marked anonymous needs an authenticated caller.
    /// </summary>
    public static AuthorizationBuilder AddModerationAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        var authorization = services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        foreach (var scope in ModerationScopes.All)
        {
            authorization.AddPolicy(scope, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        }

        return authorization;
    }

    /// <summary>A bearer credential shaped like a JWT (three dot-separated parts) goes to OIDC when it is on; API keys have no dots.</summary>
    private static string SelectScheme(Microsoft.AspNetCore.Http.HttpContext context)
    {
        var credential = context.Request.Headers.Authorization.ToString();
        return credential.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && credential.Count(c => c == '.') == 2
            && context.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled
            ? OidcScheme
            : ApiKeyAuthenticationHandler.SchemeName;
    }

    private static void ConfigureJwt(JwtBearerOptions jwt, OidcOptions oidc)
    {
        if (!oidc.Enabled)
        {
            return;
        }

        jwt.Authority = oidc.Authority;
        jwt.Audience = oidc.Audience;
        jwt.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        // Claims keep the token's own names (client_id, scope), not the WS-Federation URIs they would be mapped to.
        jwt.MapInboundClaims = false;
        jwt.Events = new JwtBearerEvents { OnTokenValidated = context => MapToModerationIdentity(context, oidc) };
    }

    /// <summary>Replaces the token's principal with the shape every other scheme issues (<see cref="ModerationClaims"/>).</summary>
    private static Task MapToModerationIdentity(TokenValidatedContext context, OidcOptions oidc)
    {
        var token = context.Principal!;
        var clientId = token.FindFirst(oidc.ClientIdClaim)?.Value;
        if (string.IsNullOrEmpty(clientId))
        {
            context.Fail($"The token has no '{oidc.ClientIdClaim}' claim to name its client.");
            return Task.CompletedTask;
        }

        var scopes = token.FindAll(oidc.ScopeClaim)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(s => s.StartsWith(oidc.ScopePrefix, StringComparison.Ordinal))
            .Select(s => s[oidc.ScopePrefix.Length..])
            .Where(ModerationScopes.IsKnown);
        context.Principal = new System.Security.Claims.ClaimsPrincipal(ModerationClaims.Identity(OidcScheme, clientId, scopes));
        return Task.CompletedTask;
    }
}
