using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Data;
using Moderation.Results.Aggregation;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Auth;
using Moderation.Results.Backfills;
using Moderation.Results.Banks;
using Moderation.Results.Callbacks;
using Moderation.Results.Consumers;
using Moderation.Results.Data;
using Moderation.Results.Evaluation;
using Moderation.Results.Lifecycle;
using Moderation.Results.Outbox;
using Moderation.Results.Policies;
using Moderation.Results.Privacy;
using Moderation.Results.Queries;
using Moderation.Results.Registry;
using Moderation.Results.Review;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder, ResultsCommand command)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // Before the bus: with Database:MigrateOnStart no consumer ever runs against an old schema.
        builder.AddMigratedDatabase<ResultsDbContext>(ResultsDbContext.ConfigureOptions);

        builder.AddValidatedOptions<AggregationOptions>(AggregationOptions.Section);
        builder.AddValidatedOptions<ReviewOptions>(ReviewOptions.Section);
        builder.AddValidatedOptions<OutboxOptions>(OutboxOptions.Section);
        builder.AddValidatedOptions<CallbackOptions>(CallbackOptions.Section);
        builder.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        builder.AddValidatedOptions<BacklogMetricsOptions>(BacklogMetricsOptions.Section);
        builder.AddValidatedOptions<BackfillOptions>(BackfillOptions.Section);
        builder.AddValidatedOptions<BankOptions>(BankOptions.Section);

        services.AddScoped<MediumTransaction>();
        services.AddScoped<MediaAggregator>();
        services.AddScoped<LifecycleRecorder>();
        services.AddSingleton(sp => new MediumLifecycle(sp.GetRequiredService<IOptions<ReviewOptions>>().Value.AuditSampleRate));
        services.AddScoped<PolicyStore>();
        services.AddScoped<ReviewerStatistics>();
        services.AddScoped<BreakService>();
        services.AddScoped<OutboxWriter>();
        services.AddScoped<ReviewService>();
        services.AddScoped<ReviewUndoService>();
        services.AddScoped<RevealService>();
        services.AddScoped<MediaQueries>();
        services.AddScoped<VerdictReuse>();
        services.AddScoped<EvaluationService>();
        services.AddScoped<ErasureService>();
        services.AddScoped<LegalHoldService>();
        services.AddScoped<RetentionService>();
        services.AddScoped<AuditLog>();
        services.AddScoped<ModelRegistry>();
        services.AddScoped<ShadowReports>();
        services.AddScoped<BackfillService>();
        services.AddScoped<BackfillRescoring>();
        services.AddSingleton<BankIndex>();
        services.AddScoped<BankStore>();
        services.AddScoped<FrameHashMatching>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<ResultsMetrics>();
        services.TryAddSingleton<ICallbackNetwork, SocketCallbackNetwork>();
        services.AddSingleton<CallbackTargetGuard>();
        services.AddSingleton<CallbackSender>();

        services.AddMemoryCache();
        builder.AddModerationAuth<IngestApiKeyStore>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddOpenApi();

        if (command.NeedsMessaging)
        {
            builder.AddMessaging(x =>
            {
                x.AddConsumer<MediaSubmittedConsumer, MediaSubmittedConsumerDefinition>();
                x.AddConsumer<FramesPlannedConsumer, FramesPlannedConsumerDefinition>();
                x.AddConsumer<FrameClassifiedConsumer, FrameClassifiedConsumerDefinition>();
                x.AddConsumer<FrameFailedConsumer, FrameFailedConsumerDefinition>();
                x.AddConsumer<FrameExtractionCompletedConsumer, FrameExtractionCompletedConsumerDefinition>();
                x.AddConsumer<MediaFailedConsumer, MediaFailedConsumerDefinition>();
                x.AddConsumer<GetMediaStatusConsumer, GetMediaStatusConsumerDefinition>();
                x.AddConsumer<FindVerdictByContentConsumer, FindVerdictByContentConsumerDefinition>();
                x.AddConsumer<ReuseVerdictConsumer, ReuseVerdictConsumerDefinition>();
                x.AddConsumer<GetFeedbackHeadConsumer, GetFeedbackHeadConsumerDefinition>();
                x.AddConsumer<GetCascadeBandsConsumer, GetCascadeBandsConsumerDefinition>();
                x.AddConsumer<EraseMediumConsumer, EraseMediumConsumerDefinition>();
                x.AddConsumer<CountContentReferencesConsumer, CountContentReferencesConsumerDefinition>();
                x.AddConsumer<ApplyRetentionConsumer, ApplyRetentionConsumerDefinition>();
                x.AddConsumer<GetModelDeploymentConsumer, GetModelDeploymentConsumerDefinition>();
                x.AddConsumer<GetModelVersionConsumer, GetModelVersionConsumerDefinition>();
                x.AddConsumer<FrameShadowScoredConsumer, FrameShadowScoredConsumerDefinition>();
                x.AddConsumer<FrameRescoredConsumer, FrameRescoredConsumerDefinition>();
                x.AddConsumer<MatchFrameHashConsumer, MatchFrameHashConsumerDefinition>();
            });
            services.AddHostedService<OutboxDispatcher>();
            services.AddHostedService<StalledMediaSweeper>();
            services.AddHostedService<BacklogMetrics>();
            services.AddHostedService<BackfillDispatcher>();
            services.AddHostedService<BankIndexWarmUp>();
        }

        return builder;
    }

    public static WebApplication MapResultsApis(this WebApplication app)
    {
        // Every error answer is a problem-details body (AddProblemDetails is in the service defaults): unhandled
        // exceptions become a 500 problem without internals, and bodiless 4xx/5xx (404, 401, 403) get one too.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapMediaApi();
        app.MapLegalHoldApi();
        app.MapReviewsApi();
        app.MapReviewUndoApi();
        app.MapReviewRevealsApi();
        app.MapReviewerStatsApi();
        app.MapReviewerSettingsApi();
        app.MapIdentityApi();
        app.MapStatsApi();
        app.MapPoliciesApi();
        app.MapBanksApi();
        app.MapEvaluationApi();
        app.MapModelsApi();
        app.MapRegistryApi();
        app.MapBackfillsApi();
        app.MapCallbacksApi();
        app.MapAuditApi();
        return app;
    }
}
