namespace Moderation.Testing;

public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Moderation.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Moderation.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the directory holding Moderation.sln).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Project-local data directory (.data), ignored by git.</summary>
    public static string Data => Path.Combine(Root, ".data");
}
