using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Moderation.BlobStorage;
using Moderation.FrameExtractor.Consumers;
using Moderation.FrameExtractor.Extraction;
using Moderation.FrameExtractor.Media;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SamplingOptions>(SamplingOptions.Section)
            .Validate(o => o.MinIntervalSeconds <= o.MaxIntervalSeconds, "Sampling:MinIntervalSeconds must not exceed Sampling:MaxIntervalSeconds.")
            .Validate(o => o.TargetFrames <= o.MaxFrames, "Sampling:TargetFrames must not exceed Sampling:MaxFrames.");
        builder.AddValidatedOptions<MediaLimitsOptions>(MediaLimitsOptions.Section);
        builder.AddValidatedOptions<FfmpegOptions>(FfmpegOptions.Section)
            .Validate(o => o.EffectiveFormats.All(f => f.Length > 0 && f.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')),
                "Ffmpeg:AllowedFormats must be ffmpeg demuxer names.");
        builder.AddValidatedOptions<ExtractionOptions>(ExtractionOptions.Section);

        builder.Services.AddFrameExtraction();
        builder.Services.AddHostedService<ScratchJanitor>();
        builder.Services.AddHealthChecks().AddCheck<FfmpegHealthCheck>("ffmpeg", tags: [ServiceDefaults.Extensions.ReadyTag]);

        builder.AddBlobStore();
        builder.AddMessaging(bus =>
        {
            bus.AddConsumer<ExtractFramesConsumer, ExtractFramesConsumerDefinition>();
            bus.AddConsumer<ExtractMovingMediumConsumer, ExtractMovingMediumConsumerDefinition>();
            bus.AddConsumer<CancelExtractionConsumer, CancelExtractionConsumerDefinition>();
            bus.AddConsumer<MediumErasedConsumer, MediumErasedConsumerDefinition>();
        });
        builder.Services.AddSingleton<IKnownContent, BusKnownContent>();
        return builder;
    }

    /// <summary>
    /// The extraction pipeline without hosting or messaging (probe, plan, decode, hash, publish through an
    /// <see cref="IExtractionPublisher"/>); the benchmark and the tests compose it the same way. Needs the options, an
    /// <see cref="BlobStorage.IBlobStore"/>, logging and metrics registered; with an <see cref="IKnownContent"/>
    /// registered too, every hashed frame is matched against known content before it is published.
    /// </summary>
    public static IServiceCollection AddFrameExtraction(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FfmpegSandbox>();
        services.AddSingleton<StillImageProbe>();
        services.AddSingleton<MediaProber>();
        services.AddSingleton<ExtractionPlanner>();
        services.AddSingleton<FrameDecoder>();
        services.AddSingleton<IFrameSource>(sp => sp.GetRequiredService<FrameDecoder>());
        services.AddSingleton<WebpAnimation>();
        services.AddSingleton<IFrameSource>(sp => sp.GetRequiredService<WebpAnimation>());
        services.AddSingleton<ExtractionRegistry>();
        services.AddSingleton<ExtractionMetrics>();
        services.AddSingleton<FrameHashing>();
        services.AddSingleton<MediaExtractor>();
        return services;
    }
}
