namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="RetentionApplied"/>): the retention sweep of one client. Results picks
/// up to <paramref name="Limit"/> of the client's concluded media whose verdict (or failure) is older than a cutoff —
/// originals before <paramref name="OriginalsConcludedBefore"/>, frames before <paramref name="FramesConcludedBefore"/> —
/// skipping media under legal hold or with an open review task, records the removal (audited) and answers which blobs
/// ingest is to delete. A null cutoff leaves that kind of blob alone.
/// </summary>
public sealed record ApplyRetention(string ClientId, DateTimeOffset? OriginalsConcludedBefore, DateTimeOffset? FramesConcludedBefore, int Limit);

public sealed record RetentionApplied(IReadOnlyList<RetainedMedium> Media);

/// <summary>
/// A medium whose blobs ingest is to delete. Its original's bytes go only when nothing else references them, which
/// ingest learns with <see cref="CountContentReferences"/> under the content's lock.
/// </summary>
public sealed record RetainedMedium(Guid MediaId, string? Sha256, bool RemoveOriginal, bool RemoveFrames);
