using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Banks;

/// <summary>Section <c>Banks</c>: matching of media against known content.</summary>
public sealed class BankOptions
{
    public const string Section = "Banks";

    /// <summary>
    /// A new still within this many bits (PDQ Hamming distance) of a still the same client already had decided reuses
    /// that decision without inference. Negative disables near-duplicate reuse.
    /// </summary>
    [Range(-1, 31)]
    public int NearDuplicateDistance { get; set; } = 8;

    /// <summary>How far back near-duplicate reuse looks for decided stills of the client (bounds the scan per still).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan NearDuplicateLookback { get; set; } = TimeSpan.FromDays(30);
}
