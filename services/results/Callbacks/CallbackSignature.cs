using System.Security.Cryptography;
using System.Text;

namespace Moderation.Results.Callbacks;

/// <summary>
/// <c>X-Moderation-Signature: sha256=&lt;hex HMAC-SHA256(secret, "{timestamp}.{body}")&gt;</c>, with the Unix-seconds
/// timestamp in <c>X-Moderation-Timestamp</c>. Binding the timestamp lets receivers reject replays of old deliveries.
/// During a secret rotation the header lists two signatures, <c>sha256=&lt;current&gt;, sha256=&lt;previous&gt;</c>;
/// a receiver accepts the delivery when any listed signature matches the secret it holds.
/// </summary>
public static class CallbackSignature
{
    public const string Prefix = "sha256=";

    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>The header value: the current secret's signature, then the previous secret's while one is configured.</summary>
    public static string Header(string secret, string? previousSecret, long timestamp, ReadOnlySpan<byte> body) =>
        previousSecret is null ? Compute(secret, timestamp, body) : Compute(secret, timestamp, body) + ", " + Compute(previousSecret, timestamp, body);

    /// <summary>What a receiver does: recompute, compare in constant time with each listed signature, and refuse stale timestamps.</summary>
    public static bool Verify(string secret, string timestampHeader, ReadOnlySpan<byte> body, string signatureHeader, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timestamp)
            || (now - DateTimeOffset.FromUnixTimeSeconds(timestamp)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        var matched = false;
        foreach (var signature in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            matched |= CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
        }

        return matched;
    }
}
