using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Ingest.Apis;
using Moderation.Ingest.Auth;
using Moderation.Ingest.BackPressure;
using Moderation.Ingest.Consumers;
using Moderation.Ingest.Data;
using Moderation.Ingest.Fetching;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Privacy;
using Moderation.Ingest.RateLimiting;
using Moderation.ServiceDefaults;
using Scalar.AspNetCore;

namespace Moderation.Ingest.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);

        AddValidatedOptions<IngestOptions>(builder, IngestOptions.Section);
        AddValidatedOptions<IntakeOptions>(builder, IntakeOptions.Section);
        AddValidatedOptions<DeduplicationOptions>(builder, DeduplicationOptions.Section);
        AddValidatedOptions<ResultsClientOptions>(builder, ResultsClientOptions.Section);
        AddValidatedOptions<UrlFetchOptions>(builder, UrlFetchOptions.Section);
        AddValidatedOptions<BackPressureOptions>(builder, BackPressureOptions.Section);
        AddValidatedOptions<WebhookOptions>(builder, WebhookOptions.Section);
        AddValidatedOptions<RetentionOptions>(builder, RetentionOptions.Section);
        AddValidatedOptions<RateLimitOptions>(builder, RateLimitOptions.Section);

        builder.AddIngestDatabase();
        services.AddHealthChecks().AddDbContextCheck<IngestDbContext>("postgres", tags: [ServiceDefaults.Extensions.ReadyTag]);
        if (builder.Configuration.GetValue<bool>(DatabaseMigrator.MigrateOnStartKey))
        {
            // Registered before the bus so no consumer runs against an old schema.
            services.AddHostedService<DatabaseMigrator>();
        }

        builder.AddBlobStore();
        services.AddScoped<ApiKeys>();
        services.AddScoped<MediaIntake>();
        services.AddScoped<SubmissionService>();
        services.AddScoped<StoredContent>();
        services.AddScoped<MediumEraser>();
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        services.AddSingleton<IDnsResolver, SystemDnsResolver>();
        services.AddSingleton<ISocketConnector, TcpSocketConnector>();
        services.AddSingleton<IUrlFetcher, GuardedUrlFetcher>();
        services.AddSingleton<QueueDepthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueDepthMonitor>());
        services.AddHostedService<WebhookDeliveryCleanup>();
        services.AddSingleton<StagingSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<StagingSweeper>());
        services.AddSubmissionRateLimits();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, WebhookAuthenticationHandler>(WebhookAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddScopePolicies();
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeProblemResultHandler>();

        services.AddSingleton<RefusalMetrics>();
        services.AddExceptionHandler<IntakeExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        services.AddOpenApi(o => o.AddDocumentTransformer<SecuritySchemeTransformer>());

        builder.AddMessaging(x =>
        {
            x.AddConsumer<AuthenticateApiKeyConsumer>(typeof(AuthenticateApiKeyConsumerDefinition));
            x.AddConsumer<FetchSourceUrlConsumer>(typeof(FetchSourceUrlConsumerDefinition));
            x.AddRequestClient<GetMediaStatus>();
            x.AddRequestClient<FindVerdictByContent>();
            x.AddRequestClient<ReuseVerdict>();
            x.AddRequestClient<EraseMedium>();
            x.AddRequestClient<CountContentReferences>();
            x.AddRequestClient<ApplyRetention>();
        });
        return builder;
    }

    /// <summary>Middleware in the order refusals need: problems for every error, then who is calling, then may they, then how often (per client).</summary>
    public static WebApplication UseIngest(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapIngestApis(this WebApplication app)
    {
        app.MapMediaApi();
        app.MapErasureApi();
        app.MapHooksApi();
        app.MapKeysApi();

        // The API description holds no data; it stays readable without a key unless configured otherwise.
        var anonymousReference = app.Configuration.GetValue("ApiReference:AllowAnonymous", true);
        var openApi = app.MapOpenApi();
        var reference = app.MapScalarApiReference(o => o.WithTitle("Moderation ingest API"));
        if (anonymousReference)
        {
            openApi.AllowAnonymous();
            reference.AllowAnonymous();
        }

        return app;
    }

    private static void AddValidatedOptions<T>(IHostApplicationBuilder builder, string section)
        where T : class => builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
