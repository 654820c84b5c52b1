namespace Moderation.Ingest.Data;

/// <summary>
/// One API key of one client. Only the SHA-256 of the key is stored; <see cref="KeyPrefix"/> is the visible start of the
/// key, so operators can tell keys apart in listings and logs without being able to use them.
/// </summary>
public sealed class ApiClient
{
    public Guid Id { get; set; }

    /// <summary>The client this key belongs to, e.g. <c>wiki</c>; a client may hold several keys (rotation).</summary>
    public required string ClientId { get; set; }

    public required string KeyPrefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string KeyHash { get; set; }

    public required string[] Scopes { get; set; }

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
