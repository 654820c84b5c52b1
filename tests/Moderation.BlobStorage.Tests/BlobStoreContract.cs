using System.Security.Cryptography;

namespace Moderation.BlobStorage.Tests;

/// <summary>
/// What every <see cref="IBlobStore"/> promises, run against each implementation over its real backing store: a local
/// directory, and an S3-compatible server on loopback.
/// </summary>
public abstract class BlobStoreContract
{
    /// <summary>The part size the S3 store is configured with here (S3's minimum), so multipart paths run on small data.</summary>
    protected const int PartSize = 5 * 1024 * 1024;

    protected abstract Task<IBlobStore> StoreAsync();

    /// <summary>Whether <paramref name="key"/> still has anything behind it in the backing store (visible or staged).</summary>
    protected abstract Task<bool> AnyTraceAsync(IBlobStore store, string key);

    /// <summary>Leaves a write of <paramref name="key"/> as a writer killed mid-way would (partial file, unfinished multipart upload).</summary>
    protected abstract Task AbandonWriteAsync(IBlobStore store, string key);

    /// <summary>Whether this backing store can list incomplete writes at all (s3rver cannot list multipart uploads).</summary>
    protected virtual bool ListsIncompleteWrites => true;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    [InlineData(PartSize - 1)]
    [InlineData(PartSize)]
    [InlineData(2 * PartSize + 12_345)]
    public async Task What_is_put_reads_back_byte_for_byte_from_a_stream_of_unknown_length(int length)
    {
        var store = await StoreAsync();
        var data = RandomBytes(length);
        var key = $"media/{Guid.NewGuid():N}/{length}";

        var stored = await store.PutAsync(key, new NonSeekableStream(data), CancellationToken.None);

        Assert.Equal(new StoredBlob(key, length), stored);
        Assert.True(await store.ExistsAsync(key, CancellationToken.None));
        Assert.Equal(SHA256.HashData(data), await HashAsync(store, key));
    }

    [Fact]
    public async Task Put_replaces_an_existing_blob()
    {
        var store = await StoreAsync();
        var key = $"frames/{Guid.NewGuid():N}/000001.jpg";
        await store.PutAsync(key, new MemoryStream(RandomBytes(5000)), CancellationToken.None);
        var second = RandomBytes(300);

        await store.PutAsync(key, new MemoryStream(second), CancellationToken.None);

        Assert.Equal(SHA256.HashData(second), await HashAsync(store, key));
    }

    [Fact]
    public async Task A_missing_blob_reads_as_null_and_deletes_quietly()
    {
        var store = await StoreAsync();
        var key = $"media/{Guid.NewGuid():N}";

        Assert.Null(await store.OpenReadAsync(key, CancellationToken.None));
        Assert.False(await store.ExistsAsync(key, CancellationToken.None));
        await store.DeleteAsync(key, CancellationToken.None);
    }

    [Fact]
    public async Task Deleting_a_mediums_frames_removes_all_of_them_and_nothing_else()
    {
        var store = await StoreAsync();
        Guid erased = Guid.NewGuid(), kept = Guid.NewGuid();
        foreach (var index in new[] { 0, 1, 2, 1000 })
        {
            await store.PutAsync(BlobStorageExtensions.FrameKey(erased, index), new MemoryStream(RandomBytes(200)), CancellationToken.None);
        }

        var other = BlobStorageExtensions.FrameKey(kept, 0);
        await store.PutAsync(other, new MemoryStream(RandomBytes(200)), CancellationToken.None);

        Assert.Equal(4, await store.DeleteFramesAsync(erased, CancellationToken.None));

        foreach (var index in new[] { 0, 1, 2, 1000 })
        {
            Assert.False(await AnyTraceAsync(store, BlobStorageExtensions.FrameKey(erased, index)));
        }

        Assert.True(await store.ExistsAsync(other, CancellationToken.None));
        Assert.Equal(0, await store.DeleteFramesAsync(erased, CancellationToken.None));
    }

    /// <summary>
    /// An erasure deletes a medium's frames from ingest while the frame extractor, told of the same erasure, deletes them
    /// too: blobs that vanish while a listing runs are no error (they answered <c>DELETE /media/{id}</c> with 500 once).
    /// </summary>
    [Fact]
    public async Task Blobs_deleted_while_a_listing_runs_are_skipped_or_listed_but_never_an_error()
    {
        var store = await StoreAsync();
        var medium = Guid.NewGuid();
        var keys = Enumerable.Range(0, 24).Select(i => BlobStorageExtensions.FrameKey(medium, i)).ToList();
        foreach (var key in keys)
        {
            await store.PutAsync(key, new MemoryStream(RandomBytes(50)), CancellationToken.None);
        }

        var listed = new List<string>();
        await foreach (var blob in store.ListAsync(BlobStorageExtensions.FramesPrefix(medium), CancellationToken.None))
        {
            if (listed.Count == 0)
            {
                foreach (var key in keys.Where(k => k != blob.Key))
                {
                    await store.DeleteAsync(key, CancellationToken.None);
                }
            }

            listed.Add(blob.Key);
        }

        Assert.NotEmpty(listed);
        Assert.Subset(keys.ToHashSet(), listed.ToHashSet());
        Assert.InRange(await store.DeleteFramesAsync(medium, CancellationToken.None), 0, 1);
        Assert.Empty(await ToListAsync(store.ListAsync(BlobStorageExtensions.FramesPrefix(medium), CancellationToken.None)));
    }

    [Fact]
    public async Task Delete_removes_the_blob()
    {
        var store = await StoreAsync();
        var key = $"media/{Guid.NewGuid():N}";
        await store.PutAsync(key, new MemoryStream(RandomBytes(100)), CancellationToken.None);

        await store.DeleteAsync(key, CancellationToken.None);

        Assert.False(await store.ExistsAsync(key, CancellationToken.None));
        Assert.Null(await store.OpenReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task Move_promotes_a_staged_upload_and_replaces_the_target()
    {
        var store = await StoreAsync();
        var staged = $"incoming/{Guid.NewGuid():N}";
        var target = BlobStorageExtensions.MediaKey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        await store.PutAsync(target, new MemoryStream(RandomBytes(10)), CancellationToken.None);
        var data = RandomBytes(PartSize + 1000);
        await store.PutAsync(staged, new MemoryStream(data), CancellationToken.None);

        await store.MoveAsync(staged, target, CancellationToken.None);

        Assert.False(await store.ExistsAsync(staged, CancellationToken.None));
        Assert.Equal(SHA256.HashData(data), await HashAsync(store, target));
    }

    [Fact]
    public async Task Moving_a_missing_blob_is_file_not_found()
    {
        var store = await StoreAsync();
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.MoveAsync($"incoming/{Guid.NewGuid():N}", $"media/{Guid.NewGuid():N}", CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_that_fails_midway_leaves_nothing_behind()
    {
        var store = await StoreAsync();
        var key = $"incoming/{Guid.NewGuid():N}";

        // Fails after more than one part, so the S3 store has a multipart upload under way.
        var failure = await Assert.ThrowsAsync<IOException>(() => store.PutAsync(key, new FailingStream(RandomBytes(PartSize + 100_000)), CancellationToken.None));

        Assert.Equal(FailingStream.Message, failure.Message);
        Assert.False(await store.ExistsAsync(key, CancellationToken.None));
        Assert.False(await AnyTraceAsync(store, key));
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_nothing_behind()
    {
        var store = await StoreAsync();
        var key = $"incoming/{Guid.NewGuid():N}";
        using var cts = new CancellationTokenSource();
        var source = new FailingStream(RandomBytes(PartSize + 100_000), onExhausted: cts.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync(key, source, cts.Token));

        Assert.False(await store.ExistsAsync(key, CancellationToken.None));
        Assert.False(await AnyTraceAsync(store, key));
    }

    [Fact]
    public async Task List_returns_the_complete_blobs_under_a_prefix_with_length_and_time()
    {
        var store = await StoreAsync();
        var folder = $"incoming/{Guid.NewGuid():N}";
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await store.PutAsync($"{folder}/a", new MemoryStream(RandomBytes(10)), CancellationToken.None);
        await store.PutAsync($"{folder}/b/c", new MemoryStream(RandomBytes(20)), CancellationToken.None);
        await store.PutAsync($"{folder}-sibling/d", new MemoryStream(RandomBytes(30)), CancellationToken.None);
        await AbandonWriteAsync(store, $"{folder}/partial");

        var listed = await ToListAsync(store.ListAsync(folder, CancellationToken.None));

        Assert.Equal([($"{folder}/a", 10L), ($"{folder}/b/c", 20L)], listed.Select(b => (b.Key, b.Length)).Order());
        Assert.All(listed, b => Assert.InRange(b.LastModified, before, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Empty(await ToListAsync(store.ListAsync($"incoming/{Guid.NewGuid():N}", CancellationToken.None)));
    }

    [SkippableFact]
    public async Task Abandoned_writes_are_removed_once_older_than_the_cutoff_and_not_before()
    {
        Skip.IfNot(ListsIncompleteWrites, "this server cannot list incomplete writes");
        var store = await StoreAsync();
        var key = $"incoming/{Guid.NewGuid():N}";
        await AbandonWriteAsync(store, key);

        Assert.Equal(0, await store.RemoveAbandonedWritesAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));
        Assert.True(await AnyTraceAsync(store, key));

        Assert.True(await store.RemoveAbandonedWritesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None) >= 1);
        Assert.False(await AnyTraceAsync(store, key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../outside")]
    [InlineData("media/../../outside")]
    [InlineData("media//double")]
    [InlineData("media/./dot")]
    [InlineData("media\\backslash")]
    [InlineData("media/nul\0byte")]
    [InlineData("media/newline\nkey")]
    public async Task Keys_that_could_escape_or_alias_are_refused_before_any_io(string key)
    {
        var store = await StoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, new MemoryStream([1]), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(key, CancellationToken.None));
        Assert.Throws<ArgumentException>(() => store.TryGetLocalPath(key));
    }

    protected static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        return data;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static async Task<byte[]> HashAsync(IBlobStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None) ?? throw new FileNotFoundException(key);
        return await SHA256.HashDataAsync(stream);
    }

    /// <summary>An upload body as the network delivers it: forward-only, length unknown, in small reads.</summary>
    private sealed class NonSeekableStream(byte[] data) : ForwardOnlyStream
    {
        private readonly MemoryStream _inner = new(data, writable: false);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
    }

    /// <summary>Delivers <paramref name="data"/>, then fails like a dropped client connection (or runs <paramref name="onExhausted"/>).</summary>
    private sealed class FailingStream(byte[] data, Action? onExhausted = null) : ForwardOnlyStream
    {
        public const string Message = "The client went away.";

        private readonly NonSeekableStream _inner = new(data);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await _inner.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            if (onExhausted is null)
            {
                throw new IOException(Message);
            }

            onExhausted();
            throw new OperationCanceledException();
        }
    }
}
