using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Moderation.Testing;
using YamlDotNet.RepresentationModel;

namespace Moderation.Deploy.Tests;

/// <summary>One service of deploy/compose/compose.yaml, with YAML merge keys applied.</summary>
/// <param name="EnvFiles">Its env_file entries, as paths from the repository root, in order.</param>
/// <param name="Environment">Its environment block (which wins over the env files, as in Compose).</param>
public sealed record ComposeService(string Name, string Image, IReadOnlyList<string> EnvFiles, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<(string Volume, string Path)> Volumes)
{
    /// <summary>What the container's environment holds: the env files in order, then the environment block.</summary>
    public IReadOnlyDictionary<string, string> EffectiveEnvironment
    {
        get
        {
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var file in EnvFiles)
            {
                foreach (var (key, value) in SettingsCatalogue.Read(Path.Combine(RepoPaths.Root, file)))
                {
                    variables[key] = value;
                }
            }

            foreach (var (key, value) in Environment)
            {
                variables[key] = value;
            }

            return variables;
        }
    }
}

/// <summary>deploy/compose/compose.yaml as the deploy tests read it.</summary>
public static partial class ComposeFile
{
    public static readonly string PathFromRoot = Path.Combine("deploy", "compose", "compose.yaml");

    private static readonly Lazy<YamlMappingNode> Root = new(() =>
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Root, PathFromRoot))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    });

    public static IReadOnlyDictionary<string, ComposeService> Services()
    {
        var services = new Dictionary<string, ComposeService>(StringComparer.Ordinal);
        foreach (var (key, value) in (YamlMappingNode)Root.Value.Children[new YamlScalarNode("services")])
        {
            var name = ((YamlScalarNode)key).Value!;
            var service = Merged((YamlMappingNode)value);
            var image = service.TryGetValue("image", out var i) ? ((YamlScalarNode)i).Value ?? "" : "";
            var envFiles = service.TryGetValue("env_file", out var f)
                ? ((YamlSequenceNode)f).Children.Select(n => Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(RepoPaths.Root, "deploy", "compose", ((YamlScalarNode)n).Value!)))).ToList()
                : [];
            var environment = service.TryGetValue("environment", out var e)
                ? Merged((YamlMappingNode)e).ToDictionary(kv => kv.Key, kv => ((YamlScalarNode)kv.Value).Value ?? "", StringComparer.Ordinal)
                : [];
            var volumes = service.TryGetValue("volumes", out var v)
                ? ((YamlSequenceNode)v).Children.Select(n => ((YamlScalarNode)n).Value!.Split(':')).Select(p => (p[0], p[1])).ToList()
                : [];
            services[name] = new ComposeService(name, image, envFiles, environment, volumes);
        }

        return services;
    }

    /// <summary>
    /// The RabbitMQ definitions the broker imports (configs.rabbitmq-definitions), with Compose's <c>$$</c> read as
    /// <c>$</c> and every <c>${VARIABLE}</c> as the placeholder <c>set-in-env</c>.
    /// </summary>
    public static JsonObject RabbitMqDefinitions()
    {
        var configs = (YamlMappingNode)Root.Value.Children[new YamlScalarNode("configs")];
        var content = ((YamlScalarNode)((YamlMappingNode)configs.Children[new YamlScalarNode("rabbitmq-definitions")]).Children[new YamlScalarNode("content")]).Value!;
        return JsonNode.Parse(Interpolation().Replace(content, m => m.Value == "$$" ? "$" : "set-in-env"))!.AsObject();
    }

    /// <summary>Compose's interpolation of a value: <c>$$</c> is a literal <c>$</c>, <c>${…}</c> a variable.</summary>
    public static string Literal(string value) => Interpolation().Replace(value, m => m.Value == "$$" ? "$" : "set-in-env");

    private static Dictionary<string, YamlNode> Merged(YamlMappingNode mapping)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merge))
        {
            var sources = merge is YamlSequenceNode list ? list.Children : [merge];
            foreach (var source in sources.Cast<YamlMappingNode>())
            {
                foreach (var (key, value) in Merged(source))
                {
                    result[key] = value;
                }
            }
        }

        foreach (var (key, value) in mapping.Children.Where(kv => ((YamlScalarNode)kv.Key).Value != "<<"))
        {
            result[((YamlScalarNode)key).Value!] = value;
        }

        return result;
    }

    [GeneratedRegex(@"\$\$|\$\{[^}]*\}")]
    private static partial Regex Interpolation();
}
