using YamlDotNet.RepresentationModel;

namespace Moderation.Testing;

/// <summary>
/// The alert rules of deploy/k8s/components/monitoring: a PrometheusRule object for Kubernetes, whose spec (the rule
/// groups) is what Prometheus and promtool read as a plain rule file.
/// </summary>
public static class AlertRules
{
    public static string Directory => Path.Combine(RepoPaths.Root, "deploy", "k8s", "components", "monitoring");

    public static string PrometheusRulePath => Path.Combine(Directory, "alerts.yaml");

    /// <summary>promtool's unit tests of the rules; they name the rule file <see cref="RuleFileName"/>.</summary>
    public static string UnitTestsPath => Path.Combine(Directory, "alerts.test.yaml");

    public const string RuleFileName = "alerts.rules.yaml";

    /// <summary>Writes the PrometheusRule's spec as <see cref="RuleFileName"/> in <paramref name="directory"/> and returns its path.</summary>
    public static async Task<string> WriteRuleFileAsync(string directory)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(await File.ReadAllTextAsync(PrometheusRulePath)));
        var spec = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("spec")];
        var path = Path.Combine(directory, RuleFileName);
        await using (var writer = new StreamWriter(path))
        {
            new YamlStream(new YamlDocument(spec)).Save(writer, assignAnchors: false);
        }

        return path;
    }
}
