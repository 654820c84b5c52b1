using Moderation.Testing;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>Where the Node reference setup and the importer's tarball cache are.</summary>
internal static class TestPaths
{
    public static string NodeDirectory => Path.Combine(RepoPaths.Root, "tools", "model-import", "node");

    public static string TarballCache => Path.Combine(RepoPaths.Root, ".cache", "model-import");

    /// <summary>Fails with the fix when scripts/model has not installed the Node reference (npm ci needs the network; tests don't use it).</summary>
    public static string RequireNodeModules()
    {
        if (!File.Exists(Path.Combine(NodeDirectory, "node_modules", "nsfwjs", "package.json")))
        {
            throw new InvalidOperationException($"The nsfwjs reference is not installed in {NodeDirectory}/node_modules: run scripts/model (it runs npm ci).");
        }

        return NodeDirectory;
    }
}
