using Moderation.ModelImport.Source;
using Xunit;

namespace Moderation.ModelImport.Tests;

public sealed class IntegrityTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("integrity-tests-").FullName;

    [Fact]
    public async Task Tarball_whose_hash_differs_from_the_pinned_integrity_is_refused()
    {
        var tarball = Path.Combine(directory, SourcePackage.Nsfwjs.TarballFileName);
        await File.WriteAllTextAsync(tarball, "not the nsfwjs package");
        var source = new PackageSource(SourcePackage.Nsfwjs, directory, "npm", TextWriter.Null);

        var exception = await Assert.ThrowsAsync<PackageIntegrityException>(() => source.GetTarballAsync(tarball, offline: true, CancellationToken.None));

        Assert.Contains(SourcePackage.Nsfwjs.Integrity, exception.Message, StringComparison.Ordinal);
        Assert.Contains("Refusing", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integrity_is_computed_and_verified_in_npm_format()
    {
        var file = Path.Combine(directory, "data.bin");
        File.WriteAllText(file, "abc");

        // sha512("abc"), base64, as npm writes dist.integrity.
        const string expected = "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==";
        Assert.Equal(expected, SubresourceIntegrity.Compute(file));
        SubresourceIntegrity.Verify(file, expected);
        SubresourceIntegrity.Verify(file, $"sha256-AAAA {expected}");
        Assert.Throws<PackageIntegrityException>(() => SubresourceIntegrity.Verify(file, expected.Replace("3a81", "3a82", StringComparison.Ordinal)));
        Assert.Throws<PackageIntegrityException>(() => SubresourceIntegrity.Verify(file, "md5-kAFQmDzST7DWlj99KOF/cg=="));
    }

    [Fact]
    public void Extraction_writes_only_the_requested_model_folder()
    {
        var tarball = Path.Combine(directory, "crafted.tgz");
        using (var file = File.Create(tarball))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        using (var writer = new System.Formats.Tar.TarWriter(gzip))
        {
            foreach (var name in new[] { "package/dist/models/m/model.min.js", "package/dist/models/m/../../../../escape.js", "package/dist/models/m/sub/deep.js", "package/README.md" })
            {
                var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) };
                writer.WriteEntry(entry);
            }
        }

        var destination = Path.Combine(directory, "out");
        var count = PackageSource.ExtractFolder(tarball, "dist/models/m", destination);

        Assert.Equal(1, count);
        Assert.Equal(["model.min.js"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(directory, "escape.js")));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
