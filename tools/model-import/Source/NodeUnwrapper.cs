namespace Moderation.ModelImport.Source;

/// <summary>
/// nsfwjs ships its models as browserify-wrapped JavaScript (model.min.js, group1-shard*.min.js). Node evaluates each
/// wrapper in an empty context and writes back the plain TensorFlow.js layout (model.json + binary shards); that is
/// all Node does in the import.
/// </summary>
internal static class NodeUnwrapper
{
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "node", "unwrap.mjs");

    public static Task UnwrapAsync(string node, string wrappedDirectory, string outputDirectory, CancellationToken cancellationToken) =>
        ExternalProcess.RunAsync(node, [ScriptPath, wrappedDirectory, outputDirectory], wrappedDirectory, cancellationToken);
}
