namespace Moderation.BlobStorage;

/// <summary>The one rule for blob keys, shared by every store: relative, slash-separated, no empty or dot segments.</summary>
public static class BlobKeys
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a well-formed relative key.</summary>
    public static string Validate(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 512 || key.Contains('\\') || key.Any(char.IsControl) || key.StartsWith('/') ||
            key.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        }

        return key;
    }
}
