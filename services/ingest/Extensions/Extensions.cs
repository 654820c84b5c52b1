using Moderation.Ingest.Waiting;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Moderation.Auth;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Data;
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

        builder.AddValidatedOptions<IngestOptions>(IngestOptions.Section);
        builder.AddValidatedOptions<IntakeOptions>(IntakeOptions.Section);
        builder.AddValidatedOptions<DeduplicationOptions>(DeduplicationOptions.Section);
        builder.AddValidatedOptions<ResultsClientOptions>(ResultsClientOptions.Section);
        builder.AddValidatedOptions<UrlFetchOptions>(UrlFetchOptions.Section);
        builder.AddValidatedOptions<BackPressureOptions>(BackPressureOptions.Section);
        builder.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        builder.AddValidatedOptions<RetentionOptions>(RetentionOptions.Section);
        builder.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);

        // Before the bus: with Database:MigrateOnStart no consumer ever runs against an old schema.
        builder.AddMigratedDatabase<IngestDbContext>(IngestDbContext.ConfigureOptions);

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
        services.AddScoped<SourceAllowances>();
        services.AddSingleton<QueueDepthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueDepthMonitor>());
        services.AddHostedService<WebhookDeliveryCleanup>();
        services.AddSingleton<StagingSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<StagingSweeper>());
        services.AddSubmissionRateLimits();

        builder.AddModerationAuth<ApiKeys>()
            .AddScheme<AuthenticationSchemeOptions, WebhookAuthenticationHandler>(WebhookAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(WebhookAuthenticationHandler.PolicyName, p => p
            .AddAuthenticationSchemes(WebhookAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(ModerationScopes.Submit)));

        services.AddSingleton<RefusalMetrics>();
        services.AddSingleton<VerdictWaiters>();
        services.AddExceptionHandler<IntakeExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        services.AddOpenApi(o => o.AddDocumentTransformer<SecuritySchemeTransformer>());

        builder.AddMessaging(x =>
        {
            x.AddConsumer<AuthenticateApiKeyConsumer>(typeof(AuthenticateApiKeyConsumerDefinition));
            x.AddConsumer<FetchSourceUrlConsumer>(typeof(FetchSourceUrlConsumerDefinition));
            x.AddConsumer<MediumConcludedConsumer>(typeof(MediumConcludedConsumerDefinition));
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
        app.MapSourcesApi();

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
}
