using Moderation.Contracts.V1;

namespace Moderation.Results.Data;

/// <summary>What a match in a bank does to a medium.</summary>
public enum BankAction
{
    Block = 0,
    Review = 1,
    Allow = 2,
}

/// <summary>
/// A list of known content by PDQ hash: a global bank (an industry list, managed by administrators) or one client's
/// own. A medium is matched against the global banks and its own client's only.
/// </summary>
public sealed class HashBank
{
    public Guid Id { get; set; }

    /// <summary>Unique across the cluster: the API addresses a bank by its name.</summary>
    public string Name { get; set; } = "";

    public BankAction Action { get; set; }

    /// <summary>The largest Hamming distance (bits) that still counts as a match; 31 is Meta's recommendation for PDQ.</summary>
    public int MaxDistance { get; set; }

    /// <summary>The client whose media the bank applies to; null for a global bank.</summary>
    public string? OwnerClientId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string CreatedBy { get; set; } = "";

    /// <summary>
    /// Raised with every change of the bank's entries, in the change's transaction and before the change is written
    /// (the bank's row lock orders changes): each results replica compares it with the revision its in-memory index
    /// holds and applies the entries added (<see cref="BankEntry.AddedRevision"/>) and removed
    /// (<see cref="BankEntryRemoval"/>) since.
    /// </summary>
    public long Revision { get; set; }
}

/// <summary>
/// An entry removed from a bank, kept so that every results replica can take it out of its in-memory index without
/// reloading the bank; deleted with the bank.
/// </summary>
public sealed class BankEntryRemoval
{
    public Guid BankId { get; set; }

    /// <summary>The bank's revision the removal produced.</summary>
    public long Revision { get; set; }

    /// <summary>The removed entry's <see cref="BankEntry.Seq"/>.</summary>
    public long Seq { get; set; }

    public string Pdq { get; set; } = "";

    public DateTimeOffset RemovedAt { get; set; }
}

/// <summary>
/// One hash in a bank, its own record: it outlives the medium it was taken from (erasure removes the medium, never
/// the bank's knowledge of the content), so the source is only named, not referenced.
/// </summary>
public sealed class BankEntry
{
    public Guid Id { get; set; }

    /// <summary>Database-assigned number of the entry, its id in the in-memory index.</summary>
    public long Seq { get; set; }

    /// <summary>The bank's revision that added the entry (replicas apply the entries added since the revision they hold).</summary>
    public long AddedRevision { get; set; }

    public Guid BankId { get; set; }

    /// <summary>The 256-bit PDQ hash as 64 lower-case hexadecimal digits.</summary>
    public string Pdq { get; set; } = "";

    /// <summary>PDQ's quality score when the bank computed or was told it; null for imported hashes.</summary>
    public int? Quality { get; set; }

    public string? Note { get; set; }

    public string AddedBy { get; set; } = "";

    public DateTimeOffset AddedAt { get; set; }

    /// <summary>The medium the hash was taken from (a reviewer's decision), if any.</summary>
    public Guid? SourceMediaId { get; set; }

    public int? SourceFrameIndex { get; set; }

    /// <summary>The review decision that added the entry; undoing that decision removes it.</summary>
    public Guid? ReviewFeedbackId { get; set; }
}

/// <summary>The PDQ hash of one frame of a medium; erased with the medium.</summary>
public sealed class MediumHash
{
    public Guid MediaId { get; set; }

    public int FrameIndex { get; set; }

    public double TimestampSeconds { get; set; }

    public string Pdq { get; set; } = "";

    public int Quality { get; set; }

    public DateTimeOffset HashedAt { get; set; }

    /// <summary>
    /// The hash's sixteen 16-bit bands, tagged with their position (<see cref="Banks.NearDuplicateBands"/>), for a still's
    /// hash of useful quality (the ones near-duplicate reuse compares); null for any other hash.
    /// </summary>
    public int[]? Bands { get; set; }
}

/// <summary>A frame of a medium that matched a bank (recorded when the frame was hashed); erased with the medium.</summary>
public sealed class MediumMatch
{
    public Guid MediaId { get; set; }

    public int FrameIndex { get; set; }

    public Guid BankId { get; set; }

    public string BankName { get; set; } = "";

    public BankAction Action { get; set; }

    public int Distance { get; set; }

    public double TimestampSeconds { get; set; }

    public BankMatch ToContract() => new(BankName, Distance, FrameIndex, TimestampSeconds);
}
