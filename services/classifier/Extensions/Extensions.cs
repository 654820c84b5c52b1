using MassTransit;
using Moderation.BlobStorage;
using Moderation.Classifier.Consumers;
using Moderation.Classifier.Inference;
using Moderation.Classifier.Registry;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ClassifierOptions>(ClassifierOptions.Section);
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ClassifierOptions>, ClassifierOptionsValidator>();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ClassifierMetrics>();
        builder.Services.AddSingleton<IFrameClassifier, OnnxFrameClassifier>();
        builder.Services.AddSingleton<EscalationModel>();
        builder.Services.AddSingleton<FrameCascade>();
        builder.Services.AddSingleton<FrameImageLoader>();
        builder.Services.AddSingleton<KnownStills>();
        builder.Services.AddSingleton<FramePreprocessor>();
        builder.Services.AddSingleton<HeatmapWriter>();
        builder.Services.AddSingleton<ModelReadiness>();
        builder.Services.AddHealthChecks().AddCheck<ModelReadiness>("model", tags: [ServiceDefaults.Extensions.ReadyTag]);

        // Registered before the bus: hosted services start in order, so the model is verified and warm before the
        // first frame is consumed, and a model that fails verification stops the host before it consumes anything.
        builder.Services.AddHostedService<ModelWarmupService>();
        builder.Services.AddSingleton<FeedbackHead>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedbackHead>());
        builder.Services.AddSingleton<CascadeBandsCache>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CascadeBandsCache>());
        builder.Services.AddSingleton<RegisteredModelLoader>();
        builder.Services.AddSingleton<BulkLaneGate>();
        builder.Services.AddSingleton<ModelLanes>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelLanes>());
        builder.AddBlobStore();
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<FrameClassificationConsumer, FrameClassificationConsumerDefinition>();
            bus.AddConsumer<RescoreFrameConsumer, RescoreFrameConsumerDefinition>();
            bus.AddRequestClient<Contracts.V1.GetFeedbackHead>();
            bus.AddRequestClient<Contracts.V1.GetCascadeBands>();
            bus.AddRequestClient<Contracts.V1.GetModelDeployment>();
            bus.AddRequestClient<Contracts.V1.GetModelVersion>();
        });
        return builder;
    }
}
