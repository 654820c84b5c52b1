using System.Security.Cryptography;
using System.Text;

namespace Moderation.Auth;

/// <summary>
/// The one way an API key is hashed, stored and sent between services: lower-case hex SHA-256 of its UTF-8 bytes. Keys
/// carry 256 random bits (or, configured by hand, at least 16 characters), so a fast unsalted hash suffices and can be
/// looked up by index on every request.
/// </summary>
public static class ApiKeyHash
{
    public const int MinKeyLength = 16;
    public const int MaxKeyLength = 256;

    public static string Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Whether <paramref name="hash"/> has the shape of a key hash (64 hex digits).</summary>
    public static bool IsHash(string? hash) => hash is { Length: 64 } && hash.All(char.IsAsciiHexDigit);

    /// <summary>Cheap shape check before any lookup, so that garbage never reaches a key store.</summary>
    public static bool IsWellFormedKey(string key) =>
        key.Length is >= MinKeyLength and <= MaxKeyLength && key.All(c => c is > ' ' and < (char)127);

    /// <summary>Compares two hashes in constant time, so timing tells nothing about a configured key.</summary>
    public static bool Equal(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a.ToLowerInvariant()), Encoding.ASCII.GetBytes(b.ToLowerInvariant()));
}
