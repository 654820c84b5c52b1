namespace Moderation.ModelImport.Source;

/// <summary>An npm package pinned by version and by the integrity hash the registry published for its tarball.</summary>
internal sealed record SourcePackage(string Name, string Version, string Integrity, string License)
{
    /// <summary>nsfwjs 4.4.0 (MIT): <c>npm view nsfwjs@4.4.0 dist.integrity</c>.</summary>
    public static readonly SourcePackage Nsfwjs = new(
        "nsfwjs",
        "4.4.0",
        "sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==",
        "MIT");

    public string Spec => $"{Name}@{Version}";

    public string TarballFileName => $"{Name}-{Version}.tgz";
}

/// <summary>
/// A model the importer knows how to take from its package, with the reference preprocessing of that package
/// (recorded in the manifest so that no service hard-codes it). The input size is read from the model itself.
/// </summary>
internal sealed record ImportableModel(
    string Name,
    string Title,
    SourcePackage Package,
    string PackagePath,
    IReadOnlyList<string> Classes,
    string ColorOrder,
    string Resize,
    float Scale,
    float Offset)
{
    /// <summary>nsfwjs's class order (src/nsfw_classes.ts).</summary>
    private static readonly string[] NsfwClasses = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

    // nsfwjs NSFWJS.infer: RGB pixels / 255, tf.image.resizeBilinear(alignCorners = true), NHWC.
    public static readonly IReadOnlyList<ImportableModel> All =
    [
        new("mobilenet_v2", "nsfwjs MobileNetV2", SourcePackage.Nsfwjs, "dist/models/mobilenet_v2", NsfwClasses, "RGB", "bilinear-align-corners", 1f / 255f, 0f),
        new("inception_v3", "nsfwjs InceptionV3", SourcePackage.Nsfwjs, "dist/models/inception_v3", NsfwClasses, "RGB", "bilinear-align-corners", 1f / 255f, 0f),
    ];

    public static ImportableModel Find(string name) =>
        All.FirstOrDefault(model => string.Equals(model.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ModelImportException($"Unknown model '{name}'. Known models: {string.Join(", ", All.Select(model => model.Name))}.");
}
