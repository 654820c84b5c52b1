using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Auth;

public static class DashboardClaims
{
    /// <summary>The reviewer's API key. It only ever lives inside the encrypted, HttpOnly session cookie.</summary>
    public const string ApiKey = "moderation:api-key";

    /// <summary>When the key was last confirmed by the results service (ISO 8601).</summary>
    public const string ValidatedAt = "moderation:validated-at";

    /// <summary>Identifies one sign-in, so the exposure counter belongs to a session, not to a person forever.</summary>
    public const string SessionId = "moderation:session";
}

/// <summary>
/// The signed-in person as pages see them. Roles are the API key's scopes in the cluster's one model
/// (<see cref="ModerationScopes"/>): viewer = read, reviewer = review, admin = admin; pages require them with the scope
/// policies (<c>[Authorize(Policy = ModerationScopes.Review)]</c>).
/// </summary>
public static class DashboardUser
{
    public static bool IsReviewer(this ClaimsPrincipal user) => user.HasScope(ModerationScopes.Review);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasScope(ModerationScopes.Admin);

    public static string ReviewerName(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";

    public static string SessionId(this ClaimsPrincipal user) => user.FindFirstValue(DashboardClaims.SessionId) ?? "";
}

/// <summary>Signs reviewers in with their API key, and keeps checking that key while the session lasts.</summary>
public static class DashboardAuthentication
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = ".moderation.session";

    /// <summary>Authentication property holding when the reviewer signed in: the sliding cookie never outlives <see cref="DashboardOptions.SessionLifetime"/> from it.</summary>
    public const string SignedInItem = "moderation.signed-in";

    public static IServiceCollection AddDashboardAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddCookie(Scheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<DashboardOptions>>((cookie, dashboard) =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = "/SignIn";
            cookie.LogoutPath = "/SignOut";
            cookie.AccessDeniedPath = "/Denied";
            cookie.ExpireTimeSpan = dashboard.Value.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = RevalidateAsync;
        });

        services.AddModerationAuthorization();
        return services;
    }

    public static AuthenticationProperties Properties(DateTimeOffset now) => new(new Dictionary<string, string?>
    {
        [SignedInItem] = now.ToString("O", CultureInfo.InvariantCulture),
    })
    {
        IsPersistent = false,
        AllowRefresh = true,
    };

    /// <summary>The principal of a session for <paramref name="identity"/>, signed in with <paramref name="apiKey"/> now.</summary>
    public static ClaimsPrincipal Principal(CallerIdentity identity, string apiKey, DateTimeOffset now)
    {
        var claims = ModerationClaims.Identity(Scheme, identity.ClientId, identity.Scopes);
        claims.AddClaim(new Claim(DashboardClaims.ApiKey, apiKey));
        claims.AddClaim(new Claim(DashboardClaims.SessionId, Guid.NewGuid().ToString("N")));
        claims.AddClaim(new Claim(DashboardClaims.ValidatedAt, now.ToString("O", CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(claims);
    }

    /// <summary>The session ends when its absolute lifetime is over, or when the results service no longer accepts its key.</summary>
    private static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!context.Properties.Items.TryGetValue(SignedInItem, out var signedIn)
            || !DateTimeOffset.TryParse(signedIn, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var signedInAt)
            || now - signedInAt > options.SessionLifetime)
        {
            await RejectAsync(context);
            return;
        }

        var principal = context.Principal!;
        var validatedAt = DateTimeOffset.TryParse(principal.FindFirstValue(DashboardClaims.ValidatedAt), CultureInfo.InvariantCulture,
            DateTimeStyles.RoundtripKind, out var at) ? at : DateTimeOffset.MinValue;
        if (now - validatedAt < options.RevalidateEvery)
        {
            return;
        }

        var key = principal.FindFirstValue(DashboardClaims.ApiKey) ?? "";
        CallerIdentity? identity;
        try
        {
            identity = await services.GetRequiredService<ResultsClient>().IdentifyAsync(key, context.HttpContext.RequestAborted);
        }
        catch (ResultsApiException)
        {
            // The results service is down or busy: keep the session; every action still goes through it with the key.
            return;
        }

        if (identity is null)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardAuthentication))
                .LogInformation("Session of {Reviewer} ended: the results service no longer accepts its API key", principal.ReviewerName());
            await RejectAsync(context);
            return;
        }

        var renewed = Principal(identity, key, now);
        var session = (ClaimsIdentity)renewed.Identity!;
        session.RemoveClaim(session.FindFirst(DashboardClaims.SessionId));
        session.AddClaim(new Claim(DashboardClaims.SessionId, principal.SessionId()));
        context.ReplacePrincipal(renewed);
        context.ShouldRenew = true;
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }
}
