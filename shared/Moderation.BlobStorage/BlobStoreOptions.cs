using System.ComponentModel.DataAnnotations;

namespace Moderation.BlobStorage;

/// <summary>Section <c>BlobStore</c>: which store and where.</summary>
public sealed class BlobStoreOptions : IValidatableObject
{
    public const string Section = "BlobStore";

    public const string FileSystemKind = "filesystem";

    public const string S3Kind = "s3";

    /// <summary>Name of the store implementation: <c>filesystem</c> (default) or <c>s3</c>.</summary>
    [Required]
    public string Kind { get; set; } = FileSystemKind;

    /// <summary>Root directory of the filesystem store (a shared ReadWriteMany volume in Kubernetes).</summary>
    public string Root { get; set; } = "";

    /// <summary>Section <c>BlobStore:S3</c>: the S3-compatible store, when <see cref="Kind"/> is <c>s3</c>.</summary>
    public S3BlobStoreOptions S3 { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        switch (Kind)
        {
            case FileSystemKind when string.IsNullOrWhiteSpace(Root):
                yield return new ValidationResult("BlobStore:Root is required for the filesystem store.", [nameof(Root)]);
                break;
            case FileSystemKind:
                break;
            case S3Kind:
                foreach (var result in S3.Validate())
                {
                    yield return result;
                }

                break;
            default:
                yield return new ValidationResult($"BlobStore:Kind must be '{FileSystemKind}' or '{S3Kind}', not '{Kind}'.", [nameof(Kind)]);
                break;
        }
    }
}

/// <summary>
/// An S3-compatible object store (AWS S3, MinIO, Ceph RGW, Cloudflare R2, …), bound from <c>BlobStore:S3</c>.
/// Credentials: <see cref="AccessKey"/>/<see cref="SecretKey"/> when set (e.g. from a Secret), otherwise the AWS SDK's
/// default chain (environment, web identity / IRSA, instance profile).
/// </summary>
public sealed class S3BlobStoreOptions
{
    /// <summary>Endpoint of an S3-compatible server, e.g. <c>http://minio.storage:9000</c>; empty for AWS S3 itself.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Prefix before every key (e.g. <c>moderation/</c>) when the bucket is shared.</summary>
    public string Prefix { get; set; } = "";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which MinIO and most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>
    /// Size of each multipart-upload part, and so the memory one upload holds at a time (S3 wants at least 5 MiB; up to
    /// 10,000 parts, so 8 MiB parts allow 78 GiB objects). Content smaller than one part is a single PUT.
    /// </summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Promote staged uploads with a server-side copy (no bytes through this process). Turn off only for servers whose
    /// copy support is broken; the move then streams the object through the service.
    /// </summary>
    public bool ServerSideCopy { get; set; } = true;

    /// <summary>
    /// Objects larger than this are copied part by part (UploadPartCopy) when promoted; S3 copies at most 5 GiB in one
    /// CopyObject, some compatible stores less.
    /// </summary>
    public long MaxSingleCopyBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Create the bucket at start when it does not exist (development; production buckets are provisioned).</summary>
    public bool CreateBucket { get; set; }

    internal IEnumerable<ValidationResult> Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            yield return new ValidationResult("BlobStore:S3:Bucket is required for the s3 store.", [nameof(Bucket)]);
        }

        if (PartSizeBytes is < 5 * 1024 * 1024 or > 512 * 1024 * 1024)
        {
            yield return new ValidationResult("BlobStore:S3:PartSizeBytes must be between 5 MiB and 512 MiB.", [nameof(PartSizeBytes)]);
        }

        if (MaxSingleCopyBytes is < 5 * 1024 * 1024 or > 5L * 1024 * 1024 * 1024)
        {
            yield return new ValidationResult("BlobStore:S3:MaxSingleCopyBytes must be between 5 MiB and 5 GiB.", [nameof(MaxSingleCopyBytes)]);
        }

        if (!string.IsNullOrEmpty(ServiceUrl) && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("BlobStore:S3:ServiceUrl must be an absolute URL.", [nameof(ServiceUrl)]);
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            yield return new ValidationResult("BlobStore:S3:AccessKey and SecretKey are set together or not at all.", [nameof(AccessKey)]);
        }
    }
}
