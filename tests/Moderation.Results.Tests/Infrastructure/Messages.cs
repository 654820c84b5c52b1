using Moderation.Contracts.V1;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>Builders for the pipeline messages results consumes.</summary>
public static class Messages
{
    public const string ClientId = "client-1";
    public const string OtherClientId = "client-2";

    public static readonly string[] Classes = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

    public static MediaSubmitted Submitted(Guid mediaId, string? callbackUrl = null, string? policy = null, string? externalId = null, string? sha256 = null,
        string clientId = ClientId) =>
        new(mediaId, mediaId, "media/" + mediaId, null, sha256 ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(mediaId.ToByteArray())),
            "image/png", 1234, externalId ?? "File:" + mediaId, callbackUrl, SubmissionPriority.Normal, policy, clientId,
            DateTimeOffset.UtcNow.AddSeconds(-1));

    public static FramesPlanned Planned(Guid mediaId, int frames) =>
        new(mediaId, mediaId, MediaKind.Video, frames, frames * 5.0, 5.0, 640, 480, "h264", SubmissionPriority.Normal, DateTimeOffset.UtcNow);

    public static FrameExtractionCompleted Completed(Guid mediaId, int frames) => new(mediaId, mediaId, frames, false, TimeSpan.FromSeconds(1));

    /// <summary>Scores with the given values; the rest of the probability mass on Neutral.</summary>
    public static FrameClassified Frame(Guid mediaId, int index, params (string Class, float Score)[] scores) =>
        Frame(mediaId, index, null, "1.0.0", scores);

    public static FrameClassified Frame(Guid mediaId, int index, float[]? embedding, string modelVersion, params (string Class, float Score)[] scores)
    {
        var map = Classes.ToDictionary(c => c, _ => 0f);
        foreach (var (cls, score) in scores)
        {
            map[cls] = score;
        }

        map["Neutral"] = Math.Max(0, 1 - scores.Where(s => s.Class != "Neutral").Sum(s => s.Score));
        return new FrameClassified(mediaId, mediaId, index, index * 5.0, map, embedding, "mobilenet_v2", modelVersion, DateTimeOffset.UtcNow);
    }
}
