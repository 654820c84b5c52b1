using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Dashboard.Apis;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Results;
using Moderation.Dashboard.Security;
using Moderation.ServiceDefaults;

namespace Moderation.Dashboard.Extensions;

public static class Extensions
{
    public const string SignInRateLimit = "sign-in";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        builder.AddValidatedOptions<DashboardOptions>(DashboardOptions.Section)
            .Validate(o => IsValid(o.BreakReminder) && IsValid(o.Evaluation), "Dashboard:BreakReminder or Dashboard:Evaluation is out of range.");
        builder.AddBlobStore();

        var dataProtection = services.AddDataProtection().SetApplicationName("moderation-dashboard");
        if (builder.Configuration[$"{DashboardOptions.Section}:{nameof(DashboardOptions.KeysDirectory)}"] is { Length: > 0 } keys)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        services.AddHttpContextAccessor();
        services.AddTransient<ApiKeyForwardingHandler>();
#pragma warning disable EXTEXP0001 // Replacing the default pipeline is the supported way to change it for one client.
        services.AddHttpClient<ResultsClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.ResultsUrl;
                http.Timeout = TimeSpan.FromSeconds(30);
            })
            .AddHttpMessageHandler<ApiKeyForwardingHandler>()
            .RemoveAllResilienceHandlers()
            // A decision, skip or undo retried after a lost answer would hit a task that has already moved on.
            .AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        services.AddHttpClient<ModelsClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.ResultsUrl;
                http.Timeout = TimeSpan.FromSeconds(30);
            })
            .AddHttpMessageHandler<ApiKeyForwardingHandler>()
            .RemoveAllResilienceHandlers()
            // Promotion, rollback, cancel and resume are not repeated after a lost answer.
            .AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        services.AddHttpClient<IngestClient>((sp, http) =>
            {
                // Used only when configured: the media page offers erasure then.
                http.BaseAddress = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.IngestUrl;
                // Ingest waits for results to erase its rows; its own timeout answers 503 well before this.
                http.Timeout = TimeSpan.FromSeconds(60);
            })
            .AddHttpMessageHandler<ApiKeyForwardingHandler>()
            // Nothing to retry: the administrator sees the outcome and may repeat (erasure is idempotent).
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        services.AddDashboardAuthentication();
        services.AddScoped<ExposureTracker>();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "X-CSRF-Token";
            o.Cookie.Name = ".moderation.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRazorPages(o =>
        {
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/Error");
            o.Conventions.AllowAnonymousToPage("/Denied");
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Guessing API keys through the sign-in form: a few tries a minute per client address is plenty for a person.
            o.AddPolicy(SignInRateLimit, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = context.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.SignInAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("page"));
        });
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/Error",
            StatusCodeSelector = SecurityHeaders.StatusFor,
        });
        app.UseSecurityHeaders();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseResultsRefusals();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages().WithStaticAssets();
        app.MapThumbnailsApi();
        app.MapExposureApi();
        return app;
    }

    private static bool IsValid(object value) => Validator.TryValidateObject(value, new ValidationContext(value), null, validateAllProperties: true);
}
