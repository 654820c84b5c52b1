namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>Where the repository, its Node reference setup and the importer's tarball cache are.</summary>
internal static class TestPaths
{
    public static string Repository { get; } = FindRepository();

    public static string NodeDirectory => Path.Combine(Repository, "tools", "model-import", "node");

    public static string TarballCache => Path.Combine(Repository, ".cache", "model-import");

    /// <summary>Fails with the fix when scripts/model has not installed the Node reference (npm ci needs the network; tests don't use it).</summary>
    public static string RequireNodeModules()
    {
        if (!File.Exists(Path.Combine(NodeDirectory, "node_modules", "nsfwjs", "package.json")))
        {
            throw new InvalidOperationException($"The nsfwjs reference is not installed in {NodeDirectory}/node_modules: run scripts/model (it runs npm ci).");
        }

        return NodeDirectory;
    }

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Moderation.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Moderation.sln above {AppContext.BaseDirectory}.");
    }
}
