using System.Collections.Concurrent;
using Moderation.ModelImport.Source;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>
/// Each model imported once per test run by the code under test, offline (from the tarball cache scripts/model fills,
/// or npm's cache), into a temporary directory: the tests check what the current importer writes, not a stale copy.
/// </summary>
internal static class ImportedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Imports = new(StringComparer.Ordinal);
    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("model-import-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    });

    public static string OutputRoot => Root.Value;

    /// <summary>The manifest path of the imported model.</summary>
    public static Task<string> GetManifestPathAsync(string name) =>
        Imports.GetOrAdd(name, key => new Lazy<Task<string>>(() => ImportAsync(key, Root.Value))).Value;

    public static Task<string> ImportAsync(string name, string outputRoot, bool force = false)
    {
        var request = new ImportRequest(ImportableModel.Find(name), outputRoot, TestPaths.TarballCache, Offline: true, Force: force);
        return new ModelImporter(TextWriter.Null).ImportAsync(request, CancellationToken.None);
    }
}
