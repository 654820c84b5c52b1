using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Moderation.BlobStorage;

public static class BlobStorageExtensions
{
    /// <summary>The readiness tag of the service defaults (<c>/health/ready</c>).</summary>
    private const string ReadyTag = "ready";

    /// <summary>
    /// Registers the blob store named by <c>BlobStore:Kind</c> (<c>filesystem</c> or <c>s3</c>) with validated options;
    /// the S3 store also gets a readiness check on its bucket and, when asked, creates the bucket at start.
    /// </summary>
    public static IHostApplicationBuilder AddBlobStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BlobStoreOptions>()
            .BindConfiguration(BlobStoreOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var kind = builder.Configuration[$"{BlobStoreOptions.Section}:{nameof(BlobStoreOptions.Kind)}"] ?? BlobStoreOptions.FileSystemKind;
        if (kind == BlobStoreOptions.S3Kind)
        {
            builder.Services.AddSingleton<S3BlobStore>();
            builder.Services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
            builder.Services.AddHostedService<S3BucketInitializer>();
            builder.Services.AddHealthChecks().AddCheck<S3BucketHealthCheck>("blob-store", tags: [ReadyTag]);
        }
        else
        {
            // Unknown kinds land here too and are refused by the options validation at start.
            builder.Services.AddSingleton<IBlobStore, FileSystemBlobStore>();
        }

        return builder;
    }

    /// <summary>The key under which content with this SHA-256 is stored: content-addressed, fanned out by its first byte.</summary>
    public static string MediaKey(string sha256Hex) => $"media/{sha256Hex[..2]}/{sha256Hex}";

    /// <summary>
    /// The key of a sampled frame's lossless PNG at its own resolution — the picture the model scored. The frame
    /// extractor writes it, the classifier reads it, the dashboard shows it to reviewers.
    /// </summary>
    public static string FrameKey(Guid mediaId, int frameIndex) => $"frames/{mediaId:N}/{frameIndex:D6}.png";

    /// <summary>
    /// The key of a frame's class activation map for one class (a small PNG heatmap the classifier writes and the dashboard
    /// overlays), in a folder beside the frames so it goes with them.
    /// </summary>
    public static string HeatmapKey(Guid mediaId, int frameIndex, string className) =>
        $"frames/{mediaId:N}/heatmaps/{frameIndex:D6}-{className.ToLowerInvariant()}.png";

    /// <summary>The folder-like prefix under which a medium's sampled frames (<see cref="FrameKey"/>) are stored.</summary>
    public static string FramesPrefix(Guid mediaId) => $"frames/{mediaId:N}";

    /// <summary>Deletes every stored frame of the medium (erasure, retention); returns how many. Idempotent.</summary>
    public static async Task<int> DeleteFramesAsync(this IBlobStore blobs, Guid mediaId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var frame in blobs.ListAsync(FramesPrefix(mediaId), cancellationToken))
        {
            keys.Add(frame.Key);
        }

        foreach (var key in keys)
        {
            await blobs.DeleteAsync(key, cancellationToken);
        }

        return keys.Count;
    }

    private sealed class S3BucketInitializer(S3BlobStore store, IOptions<BlobStoreOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            options.Value.S3.CreateBucket ? store.EnsureBucketAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class S3BucketHealthCheck(S3BlobStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.CheckBucketAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException)
            {
                return HealthCheckResult.Unhealthy("The S3 bucket does not answer.", e);
            }
        }
    }
}
