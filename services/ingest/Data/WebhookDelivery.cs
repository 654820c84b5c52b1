namespace Moderation.Ingest.Data;

/// <summary>
/// A webhook signature already seen. Remembered for longer than the replay window so that a captured request cannot be
/// sent again while its timestamp is still fresh.
/// </summary>
public sealed class WebhookDelivery
{
    public required string ClientId { get; set; }

    /// <summary>Lower-case hex of the signature; identical requests have identical signatures.</summary>
    public required string Signature { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}
