namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results with <see cref="MediumErasure"/>): erase everything results holds about a medium and
/// leave a tombstone, unless the medium is under legal hold. Ingest sends it for <c>DELETE /media/{id}</c> after checking
/// who may erase. <paramref name="ClientId"/> and <paramref name="Sha256"/> are ingest's record of the medium (null when
/// ingest has none, e.g. a medium published straight to the broker); they let results tombstone a medium it has not
/// registered yet. Unless <paramref name="AnyClient"/> (an administrator), only a medium of <paramref name="ClientId"/>
/// is erased; another client's is answered as not found. Idempotent: an erased medium is answered with its tombstone.
/// </summary>
public sealed record EraseMedium(
    Guid MediaId,
    string? ClientId,
    bool AnyClient,
    string? Sha256,
    string ErasedBy,
    string? Reason,
    DateTimeOffset RequestedAt);

/// <summary>
/// Response to <see cref="EraseMedium"/>. Whether the content-addressed original may go is not decided here: ingest
/// asks <see cref="CountContentReferences"/> under the content's lock once its own records are gone.
/// </summary>
/// <param name="Outcome">One of <see cref="ErasureOutcomes"/>.</param>
public sealed record MediumErasure(
    Guid MediaId,
    string Outcome,
    string? ClientId,
    string? Sha256,
    string? ErasedBy,
    DateTimeOffset? ErasedAt,
    string? Reason);

public static class ErasureOutcomes
{
    public const string Erased = "erased";
    public const string AlreadyErased = "already-erased";
    public const string NotFound = "not-found";
    public const string LegalHold = "legal-hold";
}
