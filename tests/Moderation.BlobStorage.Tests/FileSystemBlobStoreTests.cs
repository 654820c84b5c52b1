using Microsoft.Extensions.Options;

namespace Moderation.BlobStorage.Tests;

public sealed class FileSystemBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moderation-blobs-").FullName;

    protected override Task<IBlobStore> StoreAsync() =>
        Task.FromResult<IBlobStore>(new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Root = _root })));

    /// <summary>The blob's file or any staging file beside it.</summary>
    protected override Task<bool> AnyTraceAsync(IBlobStore store, string key)
    {
        var path = store.TryGetLocalPath(key)!;
        var directory = Path.GetDirectoryName(path)!;
        return Task.FromResult(Directory.Exists(directory) && Directory.EnumerateFiles(directory, Path.GetFileName(path) + "*").Any());
    }

    /// <summary>What <see cref="FileSystemBlobStore.PutAsync"/> leaves when its process is killed mid-copy.</summary>
    protected override async Task AbandonWriteAsync(IBlobStore store, string key)
    {
        var path = store.TryGetLocalPath(key)!;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path + ".partial-" + Guid.NewGuid().ToString("N"), RandomBytes(100));
    }

    [Fact]
    public async Task The_local_path_is_the_blob_itself_inside_the_root()
    {
        var store = await StoreAsync();
        await store.PutAsync("media/ab/abc", new MemoryStream([1, 2, 3]), CancellationToken.None);

        var path = store.TryGetLocalPath("media/ab/abc");

        Assert.Equal(Path.Combine(_root, "media", "ab", "abc"), path);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(path!));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
