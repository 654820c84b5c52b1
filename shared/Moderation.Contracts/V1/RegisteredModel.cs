namespace Moderation.Contracts.V1;

/// <summary>
/// One registered model version as classifiers load it: the base model's manifest (<c>model.json</c>), where its bytes
/// live in the shared blob store and their SHA-256 (a worker refuses bytes that do not match), and the feedback head
/// applied on top of it, if any. Scores made with it carry <see cref="Name"/> and <see cref="Version"/>.
/// </summary>
/// <param name="ManifestJson">The base model's manifest, as tools/model-import wrote it.</param>
/// <param name="BlobKey">Key of the <c>.onnx</c> file in the shared blob store.</param>
/// <param name="Sha256">Hex SHA-256 of the <c>.onnx</c> file, equal to the manifest's.</param>
/// <param name="HeadVersion">The feedback head of this version (a <c>model_heads</c> version), or null for the base model alone.</param>
/// <param name="HeadJson">That head's file (<c>moderation-head/1</c>), or null.</param>
public sealed record RegisteredModel(string Name, string Version, string ManifestJson, string BlobKey, string Sha256, string? HeadVersion, string? HeadJson);
