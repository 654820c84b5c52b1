using System.ComponentModel.DataAnnotations;

namespace Moderation.Results.Banks;

/// <summary>Section <c>Banks</c>: matching of media against known content.</summary>
public sealed class BankOptions : IValidatableObject
{
    public const string Section = "Banks";

    /// <summary>
    /// A new still within this many bits (PDQ Hamming distance) of a still the same client already had decided reuses
    /// that decision without inference. Negative disables near-duplicate reuse.
    /// </summary>
    [Range(-1, 31)]
    public int NearDuplicateDistance { get; set; } = 8;

    /// <summary>
    /// <see cref="NearDuplicateDistance"/> for particular clients (<c>Banks:ClientNearDuplicateDistance:&lt;client&gt;</c>),
    /// e.g. -1 for a client whose uploads are deliberately near-identical and must each be judged.
    /// </summary>
    public Dictionary<string, int> ClientNearDuplicateDistance { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How far back near-duplicate reuse looks for decided stills of the client (bounds the scan per still).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan NearDuplicateLookback { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The near-duplicate distance that applies to <paramref name="clientId"/>'s stills; negative: no reuse.</summary>
    public int NearDuplicateDistanceFor(string clientId) =>
        ClientNearDuplicateDistance.TryGetValue(clientId, out var distance) ? distance : NearDuplicateDistance;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ClientNearDuplicateDistance.Where(c => c.Value is < -1 or > 31)
            .Select(c => new ValidationResult($"Banks:ClientNearDuplicateDistance:{c.Key} must be -1 (off) to 31 bits.", [nameof(ClientNearDuplicateDistance)]));
}
