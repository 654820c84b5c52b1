using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.Intake;

/// <summary>An upload stored under a temporary key, with what streaming it revealed.</summary>
public sealed record StagedMedia(string StagingKey, string Sha256, long SizeBytes, MediaFormat Format);

/// <summary>
/// Streams one upload into the blob store: sniffs its first bytes against the allow-list, then copies it through a
/// hashing, size-capped pass-through into a staging blob. The SHA-256 is known only at the end, so the blob is promoted
/// to its content-addressed key afterwards (a rename in the filesystem store).
/// </summary>
public sealed class MediaIntake(IBlobStore blobs, IOptions<IntakeOptions> options, ILogger<MediaIntake> logger)
{
    /// <summary>Where uploads wait, under a temporary key, until their hash is known.</summary>
    public const string StagingPrefix = "incoming";

    public async Task<StagedMedia> StageAsync(Stream source, long? declaredLength, CancellationToken cancellationToken)
    {
        var head = new byte[MediaSniffer.SniffLength];
        var headLength = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var sniff = MediaSniffer.Sniff(head.AsSpan(0, headLength));
        if (headLength == 0)
        {
            throw new IntakeException(
                Problems.Create(StatusCodes.Status400BadRequest, Problems.EmptyMedia, "Empty media", "The upload has no content."),
                FailureReasons.Unreadable);
        }

        if (sniff.Format is not { } format)
        {
            throw new IntakeException(
                Problems.Create(StatusCodes.Status415UnsupportedMediaType, Problems.UnsupportedMediaType, "Unsupported media type",
                    $"The content was recognised as '{sniff.Detected}', which is not an allowed image, animation or video format. " +
                    "Formats are identified by their content, not by file name or declared type.",
                    new Dictionary<string, object?>
                    {
                        ["detected"] = sniff.Detected,
                        ["allowed"] = MediaSniffer.AllowList.Select(f => f.ContentType).Distinct().ToArray(),
                    }),
                FailureReasons.UnsupportedFormat);
        }

        var limit = options.Value.MaxBytes(format.Kind);
        if (declaredLength > limit)
        {
            throw TooLarge(format, limit);
        }

        var stagingKey = $"{StagingPrefix}/{Guid.CreateVersion7():N}";
        await using var content = new IntakeStream(head.AsMemory(0, headLength), source, limit, max => TooLarge(format, max));
        await blobs.PutAsync(stagingKey, content, cancellationToken);
        var staged = new StagedMedia(stagingKey, content.Sha256(), content.BytesRead, format);
        logger.LogDebug("Staged {SizeBytes} bytes of {Format} as {StagingKey}, SHA-256 {Sha256}", staged.SizeBytes, format.Name, stagingKey, staged.Sha256);
        return staged;
    }

    /// <summary>Moves a staged blob to its content-addressed key; identical content already stored is kept as it is.</summary>
    public async Task<string> PromoteAsync(StagedMedia staged, CancellationToken cancellationToken)
    {
        var key = BlobStorageExtensions.MediaKey(staged.Sha256);
        if (await blobs.ExistsAsync(key, cancellationToken))
        {
            await blobs.DeleteAsync(staged.StagingKey, cancellationToken);
        }
        else
        {
            await blobs.MoveAsync(staged.StagingKey, key, cancellationToken);
        }

        return key;
    }

    public Task DiscardAsync(StagedMedia staged) => blobs.DeleteAsync(staged.StagingKey, CancellationToken.None);

    private static IntakeException TooLarge(MediaFormat format, long limit) =>
        new(Problems.Create(StatusCodes.Status413PayloadTooLarge, Problems.MediaTooLarge, "Media too large",
                $"{format.ContentType} uploads may be at most {limit} bytes ({format.Kind.ToString().ToLowerInvariant()} limit).",
                new Dictionary<string, object?> { ["maxBytes"] = limit, ["detected"] = format.Name }),
            FailureReasons.TooLarge);
}
