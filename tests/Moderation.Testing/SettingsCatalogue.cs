using System.Text.RegularExpressions;

namespace Moderation.Testing;

/// <summary>
/// The settings catalogue, deploy/settings/*.env: the settings every environment gives a service with the same value
/// (common.env, then the service's own file), and the keys each file lists as varying per environment. scripts/up,
/// compose and Kubernetes read the same files; the test cluster reads them here.
/// </summary>
public static partial class SettingsCatalogue
{
    public static string Directory => Path.Combine(RepoPaths.Root, "deploy", "settings");

    /// <summary>The catalogue's settings for <paramref name="service"/>: common.env, then &lt;service&gt;.env (later wins).</summary>
    public static IReadOnlyDictionary<string, string> For(string service)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in new[] { "common.env", $"{service}.env" })
        {
            foreach (var (key, value) in Read(Path.Combine(Directory, file)))
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    /// <summary>The <c>KEY=value</c> lines of an env file (comments and blank lines skipped), in order.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Read(string path)
    {
        foreach (var line in File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new FormatException($"{path}: '{line}' is not KEY=value.");
            }

            yield return KeyValuePair.Create(line[..separator], line[(separator + 1)..]);
        }
    }

    /// <summary>
    /// The keys common.env and &lt;service&gt;.env list under "Varies per environment": set by each environment itself,
    /// never by the catalogue.
    /// </summary>
    public static IReadOnlySet<string> PerEnvironment(string service) =>
        new[] { "common.env", $"{service}.env" }
            .SelectMany(file => PerEnvironmentLine().Matches(File.ReadAllText(Path.Combine(Directory, file))))
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^#   ([A-Za-z][A-Za-z0-9_]*)\s", RegexOptions.Multiline)]
    private static partial Regex PerEnvironmentLine();
}
