using System.ComponentModel.DataAnnotations;

namespace Moderation.BlobStorage;

/// <summary>Section <c>BlobStore</c>: which store and where.</summary>
public sealed class BlobStoreOptions
{
    public const string Section = "BlobStore";

    /// <summary>Name of the registered store implementation: <c>filesystem</c>.</summary>
    [Required]
    public string Kind { get; set; } = "filesystem";

    /// <summary>Root directory of the filesystem store (a shared ReadWriteMany volume in Kubernetes).</summary>
    [Required]
    public string Root { get; set; } = "";
}
