using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Apis;

public static class ThumbnailsApi
{
    /// <summary>Originals the browser may show as a still's thumbnail; anything else (videos, unknown types) is never served.</summary>
    private static readonly HashSet<string> DisplayableStills = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"];

    public static RouteGroupBuilder MapThumbnailsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/thumbnails").RequireAuthorization(ModerationScopes.Read);
        group.MapGet("/{mediaId:guid}/{frameIndex:int}", GetAsync);
        group.MapGet("/{mediaId:guid}/{frameIndex:int}/heatmap/{className:regex(^[A-Za-z0-9_-]{{1,64}}$)}", GetHeatmapAsync);
        return group;
    }

    /// <summary>
    /// A frame's heatmap for one class (the classifier's class activation map, a PNG beside the frame), under the same
    /// rules as the frame itself: never cached, and a read-only session sees only its own client's media.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound>> GetHeatmapAsync(Guid mediaId, int frameIndex, string className, HttpContext context,
        IBlobStore blobs, ResultsClient results, CancellationToken cancellationToken)
    {
        if (frameIndex < 0 || (!context.User.IsReviewer() && await results.MediaAsync(mediaId, cancellationToken) is null))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "private, no-store";
        var heatmap = await blobs.OpenReadAsync(BlobStorageExtensions.HeatmapKey(mediaId, frameIndex, className), cancellationToken);
        return heatmap is null ? TypedResults.NotFound() : TypedResults.Stream(heatmap, "image/png");
    }

    /// <summary>
    /// A sampled frame's PNG from the blob store; for a still whose frame was not stored, the original when
    /// it is a picture the browser can show. Never cached: harmful pictures must not linger on reviewers' disks.
    /// A read-only session gets pictures of its own client's media only: the results service, asked with the session's
    /// key, decides which media the caller may see, and anything it does not show is not found here either.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound>> GetAsync(Guid mediaId, int frameIndex, HttpContext context, IBlobStore blobs,
        ResultsClient results, IOptions<DashboardOptions> options, CancellationToken cancellationToken)
    {
        if (frameIndex < 0)
        {
            return TypedResults.NotFound();
        }

        // Reviewers and administrators see every client's media (their queue spans clients), so their hot path skips the check.
        MediaDetails? media = null;
        if (!context.User.IsReviewer() && (media = await results.MediaAsync(mediaId, cancellationToken)) is null)
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "private, no-store";
        if (await blobs.OpenReadAsync(BlobStorageExtensions.FrameKey(mediaId, frameIndex), cancellationToken) is { } frame)
        {
            return TypedResults.Stream(frame, "image/png");
        }

        if (frameIndex != 0 || (media ?? await results.MediaAsync(mediaId, cancellationToken)) is not { } details
            || details.Kind is MediaKind.Video or MediaKind.Animation || details.Sha256 is not { Length: 64 } sha256
            || details.ContentType is not { } contentType || !DisplayableStills.Contains(contentType)
            || details.SizeBytes > options.Value.MaxOriginalBytes)
        {
            return TypedResults.NotFound();
        }

        var original = await blobs.OpenReadAsync(BlobStorageExtensions.MediaKey(sha256.ToLowerInvariant()), cancellationToken);
        return original is null ? TypedResults.NotFound() : TypedResults.Stream(original, contentType);
    }
}
