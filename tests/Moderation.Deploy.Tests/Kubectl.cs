using System.Text.Json.Nodes;
using Moderation.Testing;

namespace Moderation.Deploy.Tests;

/// <summary>Renders kustomizations with the kubectl on PATH (or MODERATION_KUBECTL), which embeds kustomize.</summary>
public static class Kubectl
{
    /// <summary>The oldest kustomize the kustomizations are written for (the <c>labels</c> and <c>patches</c> fields).</summary>
    public const int MinimumKustomizeMajor = 5;

    private static readonly Lazy<Task<string>> Executable = new(FindAsync);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<JsonObject>>>> Rendered = new(StringComparer.Ordinal);

    public static string OverlaysDirectory => Path.Combine(RepoPaths.Root, "deploy", "k8s", "overlays");

    public static IEnumerable<string> Overlays =>
        Directory.EnumerateDirectories(OverlaysDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    /// <summary>
    /// Every object <c>kubectl kustomize</c> renders for a directory under deploy/k8s, rendered once per test run
    /// (callers only read the objects).
    /// </summary>
    public static Task<IReadOnlyList<JsonObject>> RenderAsync(string relativeDirectory) =>
        Rendered.GetOrAdd(relativeDirectory, directory => new Lazy<Task<IReadOnlyList<JsonObject>>>(() => RenderOnceAsync(directory))).Value;

    private static Task<IReadOnlyList<JsonObject>> RenderOnceAsync(string relativeDirectory) =>
        RenderDirectoryAsync(Path.Combine(RepoPaths.Root, "deploy", "k8s", relativeDirectory));

    /// <summary>Renders a kustomization anywhere (e.g. a test's own overlay in a temporary directory), uncached.</summary>
    public static async Task<IReadOnlyList<JsonObject>> RenderDirectoryAsync(string directory)
    {
        var kubectl = await Executable.Value;
        var yaml = await ProcessRunner.RunAsync(kubectl, ["kustomize", directory], TimeSpan.FromMinutes(2));
        return YamlDocuments.Parse(yaml);
    }

    /// <summary>
    /// Renders a directory under deploy/k8s as an overlay on top of it would with <c>Messaging__QueuePrefix</c> set and
    /// components/queue-prefix added (the way docs/deploy.md tells a second deployment on a shared broker to), uncached.
    /// </summary>
    public static async Task<IReadOnlyList<JsonObject>> RenderWithQueuePrefixAsync(string relativeDirectory, string prefix)
    {
        var directory = Directory.CreateTempSubdirectory("moderation-prefix-").FullName;
        try
        {
            // kustomize takes relative paths only.
            string Relative(string path) => Path.GetRelativePath(directory, Path.Combine(RepoPaths.Root, "deploy", "k8s", path));
            await File.WriteAllTextAsync(Path.Combine(directory, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [{Relative(relativeDirectory)}]
                configMapGenerator:
                - name: moderation-common
                  behavior: merge
                  literals: [Messaging__QueuePrefix={prefix}]
                components: [{Relative("components/queue-prefix")}]
                """);
            return await RenderDirectoryAsync(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> FindAsync()
    {
        var configured = Environment.GetEnvironmentVariable("MODERATION_KUBECTL");
        var kubectl = !string.IsNullOrEmpty(configured)
            ? configured
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(dir => Path.Combine(dir, "kubectl"))
                .FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("kubectl is not on PATH: the deployment tests render deploy/k8s with `kubectl kustomize`. Install kubectl 1.27 or newer (or set MODERATION_KUBECTL).");

        var version = JsonNode.Parse(await ProcessRunner.RunAsync(kubectl, ["version", "--client", "-o", "json"], TimeSpan.FromMinutes(1)))!;
        var kustomize = version["kustomizeVersion"]?.GetValue<string>() ?? "";
        if (!int.TryParse(kustomize.TrimStart('v').Split('.')[0], out var major) || major < MinimumKustomizeMajor)
        {
            throw new InvalidOperationException(
                $"{kubectl} embeds kustomize '{kustomize}', but deploy/k8s needs kustomize {MinimumKustomizeMajor} or newer (kubectl 1.27+). " +
                "Debian's kubernetes-client (1.20, kustomize 2.0.3) is too old; install a current kubectl or point MODERATION_KUBECTL at one.");
        }

        return kubectl;
    }
}
