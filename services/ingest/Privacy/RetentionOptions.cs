using System.ComponentModel.DataAnnotations;

namespace Moderation.Ingest.Privacy;

/// <summary>
/// Section <c>Retention</c>: how long each client's originals and sampled frames are kept after the medium's verdict
/// (or failure). A client without an entry keeps everything. Media under legal hold or with an open review task are
/// never touched; erasure (<c>DELETE /media/{id}</c>) is separate and immediate.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>Client id → its retention, e.g. <c>Retention:Clients:wiki:DeleteFramesAfter = 30</c>.</summary>
    public Dictionary<string, ClientRetention> Clients { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Media handled per client per sweep: a backlog drains over several sweeps instead of one long one.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (client, retention) in Clients)
        {
            if (retention.DeleteOriginalsAfter is < 0 or > 36_500 || retention.DeleteFramesAfter is < 0 or > 36_500)
            {
                yield return new ValidationResult($"Retention:Clients:{client}: days must be between 0 and 36500.");
            }
        }
    }
}

public sealed class ClientRetention
{
    /// <summary>Days after the verdict after which the original is deleted (the bytes once no other medium references them).</summary>
    public double? DeleteOriginalsAfter { get; set; }

    /// <summary>Days after the verdict after which the sampled frames are deleted.</summary>
    public double? DeleteFramesAfter { get; set; }
}
