using System.Buffers;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Moderation.BlobStorage;

/// <summary>
/// Blobs as objects in an S3-compatible bucket. Uploads of unknown length are streamed as a multipart upload, one pooled
/// part buffer at a time (content shorter than a part is one PUT), so memory per upload is one part whatever the size;
/// an object becomes visible only when its upload completes, and a failed upload is aborted so no parts linger.
/// Moves (promoting a staged upload to its content-addressed key) are server-side copies, multipart above 5 GiB.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Part size of multipart copies (at most 10,000 parts: objects up to 5 TiB).</summary>
    private const long CopyPartBytes = 512L * 1024 * 1024;

    private readonly AmazonS3Client _s3;
    private readonly S3BlobStoreOptions _options;
    private readonly ILogger<S3BlobStore> _logger;

    public S3BlobStore(IOptions<BlobStoreOptions> options, ILogger<S3BlobStore> logger)
    {
        _options = options.Value.S3;
        _logger = logger;
        _s3 = CreateClient(_options);
    }

    /// <summary>The SDK client for these options: path-style for self-hosted stores, checksums only where S3 requires them.</summary>
    public static AmazonS3Client CreateClient(S3BlobStoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Flexible checksums would send aws-chunked bodies with trailers, which not every S3-compatible server reads;
            // every request here is signed over its payload's SHA-256 anyway.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }

        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public async Task<StoredBlob> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var objectKey = ObjectKey(key);
        var buffer = ArrayPool<byte>.Shared.Rent(_options.PartSizeBytes);
        try
        {
            var filled = await FillAsync(content, buffer, _options.PartSizeBytes, cancellationToken);
            if (filled < _options.PartSizeBytes)
            {
                await _s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                }, cancellationToken);
                return new StoredBlob(key, filled);
            }

            return new StoredBlob(key, await PutMultipartAsync(objectKey, content, buffer, filled, cancellationToken));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_options.Bucket, ObjectKey(key), cancellationToken);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Objects have no local path; readers that need a file copy the stream (the frame extractor does).</summary>
    public string? TryGetLocalPath(string key)
    {
        BlobKeys.Validate(key);
        return null;
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        await LengthAsync(ObjectKey(key), cancellationToken) is not null;

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _s3.DeleteObjectAsync(_options.Bucket, ObjectKey(key), cancellationToken);

    public async Task MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        string source = ObjectKey(from), target = ObjectKey(to);
        var length = await LengthAsync(source, cancellationToken) ?? throw new FileNotFoundException($"Blob '{from}' does not exist.");
        if (!_options.ServerSideCopy)
        {
            await using (var stream = await OpenReadAsync(from, cancellationToken) ?? throw new FileNotFoundException($"Blob '{from}' does not exist."))
            {
                await PutAsync(to, stream, cancellationToken);
            }
        }
        else if (length <= _options.MaxSingleCopyBytes)
        {
            await _s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = _options.Bucket,
                SourceKey = source,
                DestinationBucket = _options.Bucket,
                DestinationKey = target,
            }, cancellationToken);
        }
        else
        {
            await CopyMultipartAsync(source, target, length, cancellationToken);
        }

        await _s3.DeleteObjectAsync(_options.Bucket, source, cancellationToken);
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = ObjectKey(prefix) + "/" };
        ListObjectsV2Response page;
        do
        {
            page = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new BlobInfo(item.Key[_options.Prefix.Length..], item.Size ?? 0, item.LastModified ?? DateTime.MinValue);
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
    }

    /// <summary>
    /// Aborts multipart uploads under the prefix initiated before the cutoff (a bucket lifecycle rule that aborts
    /// incomplete uploads does the same on the server's side). Servers without upload listing answer NotImplemented: 0.
    /// </summary>
    public async Task<int> RemoveAbandonedWritesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var removed = 0;
        var request = new ListMultipartUploadsRequest { BucketName = _options.Bucket, Prefix = _options.Prefix };
        ListMultipartUploadsResponse page;
        do
        {
            try
            {
                page = await _s3.ListMultipartUploadsAsync(request, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed)
            {
                LogUploadListingUnsupported(_options.Bucket);
                return removed;
            }

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } initiated && initiated.ToUniversalTime() < cutoff.UtcDateTime)
                {
                    await AbortAsync(upload.Key, upload.UploadId);
                    removed++;
                }
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
        while (page.IsTruncated == true);

        return removed;
    }

    /// <summary>Creates the bucket unless it exists (for <see cref="S3BlobStoreOptions.CreateBucket"/>).</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, cancellationToken);
            LogBucketCreated(_options.Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>Whether the bucket answers with these credentials (the readiness check).</summary>
    public async Task CheckBucketAsync(CancellationToken cancellationToken) =>
        await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix, MaxKeys = 1 }, cancellationToken);

    public void Dispose() => _s3.Dispose();

    private string ObjectKey(string key) => _options.Prefix + BlobKeys.Validate(key);

    private async Task<long?> LengthAsync(string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            return (await _s3.GetObjectMetadataAsync(_options.Bucket, objectKey, cancellationToken)).ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<long> PutMultipartAsync(string objectKey, Stream content, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        long total = 0;
        await MultipartAsync(objectKey, async uploadId =>
        {
            var parts = new List<PartETag>();
            while (filled > 0)
            {
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    UploadId = uploadId,
                    PartNumber = parts.Count + 1,
                    InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                    UseChunkEncoding = false,
                }, cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                total += filled;
                filled = await FillAsync(content, buffer, _options.PartSizeBytes, cancellationToken);
            }

            return parts;
        }, cancellationToken);
        return total;
    }

    private Task CopyMultipartAsync(string source, string target, long length, CancellationToken cancellationToken) =>
        MultipartAsync(target, async uploadId =>
        {
            var parts = new List<PartETag>();
            for (long offset = 0; offset < length; offset += CopyPartBytes)
            {
                var part = await _s3.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = _options.Bucket,
                    SourceKey = source,
                    DestinationBucket = _options.Bucket,
                    DestinationKey = target,
                    UploadId = uploadId,
                    PartNumber = parts.Count + 1,
                    FirstByte = offset,
                    LastByte = Math.Min(offset + CopyPartBytes, length) - 1,
                }, cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
            }

            return parts;
        }, cancellationToken);

    /// <summary>One multipart upload of <paramref name="objectKey"/>: completed with the parts written, or aborted.</summary>
    private async Task MultipartAsync(string objectKey, Func<string, Task<List<PartETag>>> writeParts, CancellationToken cancellationToken)
    {
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken);
        try
        {
            var parts = await writeParts(upload.UploadId);
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, cancellationToken);
        }
        catch
        {
            await AbortAsync(objectKey, upload.UploadId);
            throw;
        }
    }

    /// <summary>Aborts a multipart upload so its parts are not kept (and billed); never hides the original failure.</summary>
    private async Task AbortAsync(string objectKey, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _s3.AbortMultipartUploadAsync(_options.Bucket, objectKey, uploadId, timeout.Token);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or OperationCanceledException)
        {
            LogAbortFailed(e, objectKey, uploadId);
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes or the end of the stream.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < count)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, count - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bucket {Bucket}'s server does not list multipart uploads; rely on a lifecycle rule to expire abandoned ones")]
    private partial void LogUploadListingUnsupported(string bucket);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created bucket {Bucket}")]
    private partial void LogBucketCreated(string bucket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort multipart upload {UploadId} of {Key}; a bucket lifecycle rule should expire it")]
    private partial void LogAbortFailed(Exception exception, string key, string uploadId);

    /// <summary>The object's body; disposing it releases the HTTP response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ForwardOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override long Length => response.ContentLength;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
