using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.Testing;

namespace Moderation.BlobStorage.Tests;

/// <summary>The contract against a real S3-compatible server on loopback (MinIO under Docker, else s3rver).</summary>
public sealed class S3BlobStoreTests : BlobStoreContract, IAsyncLifetime, IDisposable
{
    private readonly string _bucket = S3Server.NewBucketName("blobs");
    private S3Server _server = null!;
    private S3BlobStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await S3Server.GetAsync();
        _store = new S3BlobStore(Options.Create(StoreOptions(prefix: "")), NullLogger<S3BlobStore>.Instance);
        await _store.EnsureBucketAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _store.Dispose();

    protected override Task<IBlobStore> StoreAsync() => Task.FromResult<IBlobStore>(_store);

    /// <summary>An object under the key, or (where the server lists them) an unfinished multipart upload of it.</summary>
    protected override async Task<bool> AnyTraceAsync(IBlobStore store, string key)
    {
        using var s3 = S3BlobStore.CreateClient(StoreOptions("").S3);
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = key });
        if (objects.KeyCount > 0)
        {
            return true;
        }

        if (!_server.ImplementsWholeMultipartApi)
        {
            return false;
        }

        var uploads = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = key });
        return uploads.MultipartUploads is { Count: > 0 };
    }

    protected override bool ListsIncompleteWrites => _server.ImplementsWholeMultipartApi;

    /// <summary>A multipart upload with one part, never completed: what a pod killed mid-upload leaves.</summary>
    protected override async Task AbandonWriteAsync(IBlobStore store, string key)
    {
        using var s3 = S3BlobStore.CreateClient(StoreOptions("").S3);
        var upload = await s3.InitiateMultipartUploadAsync(_bucket, key);
        await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = key,
            UploadId = upload.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(RandomBytes(PartSize)),
            UseChunkEncoding = false,
        });
    }

    [Fact]
    public async Task Objects_live_in_the_bucket_under_the_prefix_and_have_no_local_path()
    {
        using var store = new S3BlobStore(Options.Create(StoreOptions(prefix: "tenant-a/")), NullLogger<S3BlobStore>.Instance);
        var data = RandomBytes(1234);

        await store.PutAsync("media/ab/abc", new MemoryStream(data), CancellationToken.None);

        using var s3 = S3BlobStore.CreateClient(StoreOptions("").S3);
        var head = await s3.GetObjectMetadataAsync(_bucket, "tenant-a/media/ab/abc");
        Assert.Equal(1234, head.ContentLength);
        Assert.Null(store.TryGetLocalPath("media/ab/abc"));
        Assert.False(await _store.ExistsAsync("media/ab/abc", CancellationToken.None));
    }

    [Fact]
    public async Task Moving_without_server_side_copy_streams_the_object_through()
    {
        var options = StoreOptions("");
        options.S3.ServerSideCopy = false;
        using var store = new S3BlobStore(Options.Create(options), NullLogger<S3BlobStore>.Instance);
        var data = RandomBytes(PartSize + 10);
        await store.PutAsync("incoming/streamed", new MemoryStream(data), CancellationToken.None);

        await store.MoveAsync("incoming/streamed", "media/streamed", CancellationToken.None);

        await using var read = await store.OpenReadAsync("media/streamed", CancellationToken.None);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), await System.Security.Cryptography.SHA256.HashDataAsync(read!));
        Assert.False(await store.ExistsAsync("incoming/streamed", CancellationToken.None));
    }

    [SkippableFact]
    public async Task Objects_above_the_single_copy_limit_are_moved_part_by_part()
    {
        Skip.IfNot(_server.ImplementsWholeMultipartApi, "s3rver does not implement UploadPartCopy");
        var options = StoreOptions("");
        options.S3.MaxSingleCopyBytes = PartSize;
        using var store = new S3BlobStore(Options.Create(options), NullLogger<S3BlobStore>.Instance);
        var data = RandomBytes(PartSize + 4321);
        await store.PutAsync("incoming/large", new MemoryStream(data), CancellationToken.None);

        await store.MoveAsync("incoming/large", "media/large", CancellationToken.None);

        await using var read = await store.OpenReadAsync("media/large", CancellationToken.None);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), await System.Security.Cryptography.SHA256.HashDataAsync(read!));
        Assert.False(await store.ExistsAsync("incoming/large", CancellationToken.None));
    }

    [Fact]
    public async Task Unknown_credentials_are_refused_by_the_server()
    {
        var options = StoreOptions("");
        options.S3.AccessKey = "nobody";
        options.S3.SecretKey = "not-the-secret";
        using var store = new S3BlobStore(Options.Create(options), NullLogger<S3BlobStore>.Instance);

        var e = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => store.PutAsync("media/x", new MemoryStream([1]), CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.StatusCode);
    }

    private BlobStoreOptions StoreOptions(string prefix) => _server.StoreOptions(_bucket, s =>
    {
        s.Prefix = prefix;
        s.PartSizeBytes = PartSize;
    });
}
