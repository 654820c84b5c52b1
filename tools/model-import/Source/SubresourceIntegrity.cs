using System.Security.Cryptography;

namespace Moderation.ModelImport.Source;

/// <summary>npm's <c>dist.integrity</c>: Subresource Integrity strings such as <c>sha512-&lt;base64&gt;</c>.</summary>
internal static class SubresourceIntegrity
{
    public static string Compute(string path, string algorithm = "sha512")
    {
        using var stream = File.OpenRead(path);
        var hash = algorithm switch
        {
            "sha512" => SHA512.HashData(stream),
            "sha384" => SHA384.HashData(stream),
            "sha256" => SHA256.HashData(stream),
            _ => throw new ArgumentException($"Integrity algorithm '{algorithm}' is not supported (sha256, sha384, sha512).", nameof(algorithm)),
        };
        return $"{algorithm}-{Convert.ToBase64String(hash)}";
    }

    /// <summary>Throws unless <paramref name="path"/> matches <paramref name="expected"/> (all hashes of its strongest algorithm listed).</summary>
    /// <exception cref="PackageIntegrityException">The file's hash differs.</exception>
    public static void Verify(string path, string expected)
    {
        var tokens = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var strongest = tokens.Select(token => token.Split('-', 2)[0])
            .OrderByDescending(algorithm => algorithm switch { "sha512" => 3, "sha384" => 2, "sha256" => 1, _ => 0 })
            .FirstOrDefault(algorithm => algorithm is "sha512" or "sha384" or "sha256")
            ?? throw new PackageIntegrityException($"Integrity '{expected}' names no supported algorithm (sha256, sha384, sha512).");
        var actual = Compute(path, strongest);
        if (!tokens.Any(token => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(token), System.Text.Encoding.ASCII.GetBytes(actual))))
        {
            throw new PackageIntegrityException($"{path} has integrity {actual}, but {expected} is pinned. Refusing to use it.");
        }
    }
}
