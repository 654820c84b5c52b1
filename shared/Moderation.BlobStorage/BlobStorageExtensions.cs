using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Moderation.BlobStorage;

public static class BlobStorageExtensions
{
    /// <summary>Registers the blob store named by <c>BlobStore:Kind</c>, with validated options.</summary>
    public static IHostApplicationBuilder AddBlobStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BlobStoreOptions>()
            .BindConfiguration(BlobStoreOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Kind == "filesystem", "BlobStore:Kind must be 'filesystem'.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IBlobStore, FileSystemBlobStore>();
        return builder;
    }

    /// <summary>The key under which content with this SHA-256 is stored: content-addressed, fanned out by its first byte.</summary>
    public static string MediaKey(string sha256Hex) => $"media/{sha256Hex[..2]}/{sha256Hex}";

    /// <summary>
    /// The key of a sampled frame's JPEG (model-sized), kept so reviewers can see the frames that scored — the frame
    /// extractor writes it, the dashboard reads it.
    /// </summary>
    public static string FrameKey(Guid mediaId, int frameIndex) => $"frames/{mediaId:N}/{frameIndex:D6}.jpg";
}
