using Moderation.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Moderation.Deploy.Tests;

/// <summary>
/// The settings catalogue (deploy/settings) against the four places that start services: scripts/up
/// (scripts/lib/services.sh), the test cluster (Cluster.cs), compose and every Kubernetes overlay. Each must give each
/// service every catalogue value unchanged, and may set nothing else but the keys the catalogue lists as varying per
/// environment, so a shared setting has exactly one place to change and a hand-kept copy fails here.
/// </summary>
public sealed class SettingsCatalogueTests
{
    public static TheoryData<string> Services => new(ServiceCatalog.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Services))]
    public void The_catalogue_holds_only_options_the_service_binds_and_lists_what_varies(string name)
    {
        var service = ServiceCatalog.Get(name);
        var catalogue = SettingsCatalogue.For(name);
        var perEnvironment = SettingsCatalogue.PerEnvironment(name);

        Assert.NotEmpty(catalogue);
        Assert.All(catalogue.Keys, key => Assert.Null(ConfigurationRules.Check(service, key, new HashSet<string>())));
        Assert.All(catalogue.Keys, key => Assert.DoesNotContain(key, perEnvironment));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Scripts_up_gives_the_catalogue_values(string name)
    {
        var data = Directory.CreateTempSubdirectory("moderation-settings-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(data, "secrets"));
            await File.WriteAllTextAsync(Path.Combine(data, "secrets", "callback-secret"), "secret");
            var output = await ProcessRunner.RunAsync("env", [
                "MODERATION_RABBITMQ=amqp://user:password@127.0.0.1:5672/", "MODERATION_POSTGRES=Host=127.0.0.1;Port=5432",
                $"MODERATION_DATA={data}", "MODERATION_MODEL_DIR=/models", "bash", "-c", $"source scripts/lib/services.sh && service_env {name}"]);
            var environment = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('=', 2))
                .GroupBy(parts => parts[0])
                .ToDictionary(g => g.Key, g => (string?)g.Last()[1], StringComparer.Ordinal);
            var problems = Drift("scripts/lib/services.sh", name, environment, variants: [], helpers: new HashSet<string>());
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_test_cluster_gives_the_catalogue_values()
    {
        var problems = new List<string>();
        foreach (var name in Cluster.Services)
        {
            var endpoints = new ClusterEndpoints("amqp://user:password@127.0.0.1:5672/vhost", "Host=127.0.0.1;Database=ingest", "Host=127.0.0.1;Database=results",
                "/tmp/cluster", "/models/mobilenet_v2/model.json", "secret");
            var environment = Cluster.ServiceEnvironment(name, endpoints).ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);
            problems.AddRange(Drift("tests/Moderation.Testing/Cluster.cs", name, environment, variants: [], helpers: new HashSet<string>()));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Compose_gives_the_catalogue_values()
    {
        var problems = new List<string>();
        var checkedServices = 0;
        foreach (var (composeName, compose) in ComposeFile.Services())
        {
            if (ServiceCatalog.ForImage(compose.Image) is not { } service)
            {
                continue;
            }

            checkedServices++;
            var settings = Path.Combine("deploy", "settings");
            var required = new[] { Path.Combine(settings, "common.env"), Path.Combine(settings, $"{service.Name}.env") };
            if (!compose.EnvFiles.Take(2).SequenceEqual(required))
            {
                problems.Add($"compose service {composeName}: env_file must start with {string.Join(", ", required)}, not {string.Join(", ", compose.EnvFiles)}");
            }

            // Further catalogue files (the GPU classifier's) are variants the service deliberately takes on top.
            var variants = compose.EnvFiles.Skip(2).Where(f => f.StartsWith(settings + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .SelectMany(f => SettingsCatalogue.Read(Path.Combine(RepoPaths.Root, f)));
            var environment = compose.EffectiveEnvironment.ToDictionary(kv => kv.Key, kv => (string?)ComposeFile.Literal(kv.Value), StringComparer.Ordinal);
            problems.AddRange(Drift($"compose service {composeName}", service.Name, environment, variants, new HashSet<string>()));
        }

        Assert.True(checkedServices >= ServiceCatalog.All.Count, $"only {checkedServices} compose services run a moderation image");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Kubernetes_gives_the_catalogue_values(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var variants = ComponentSettings(Path.Combine(Kubectl.OverlaysDirectory, overlay));
        var problems = new List<string>();
        var checkedContainers = 0;
        foreach (var container in RenderedContainer.All(objects).Where(c => c.Service is not null))
        {
            checkedContainers++;
            var variables = container.Environment(objects);
            var environment = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
            problems.AddRange(Drift($"overlays/{overlay} {container.Describe}", container.Service!.Name, environment,
                variants.GetValueOrDefault(container.Service.Name, []), container.ReferencedVariables(variables)));
        }

        Assert.True(checkedContainers >= ServiceCatalog.All.Count);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    /// <summary>
    /// What a consumer gives a service against the catalogue: every catalogue value (or a variant's, where the
    /// consumer takes one), and nothing else but keys listed as varying per environment (or helpers that only feed
    /// other variables, like a password spliced into a connection string).
    /// </summary>
    private static List<string> Drift(string consumer, string service, IReadOnlyDictionary<string, string?> environment,
        IEnumerable<KeyValuePair<string, string>> variants, IReadOnlySet<string> helpers)
    {
        var expected = new Dictionary<string, string>(SettingsCatalogue.For(service), StringComparer.Ordinal);
        foreach (var (key, value) in variants)
        {
            expected[key] = value;
        }

        var perEnvironment = SettingsCatalogue.PerEnvironment(service);
        var problems = new List<string>();
        foreach (var (key, value) in expected)
        {
            if (!environment.TryGetValue(key, out var actual))
            {
                problems.Add($"{consumer}: {service} does not get {key} (the catalogue says {value})");
            }
            else if (actual != value)
            {
                problems.Add($"{consumer}: {service} gets {key}={actual}, the catalogue says {value}; change it in deploy/settings");
            }
        }

        foreach (var key in environment.Keys.Where(k => !expected.ContainsKey(k) && !perEnvironment.Contains(k) && !helpers.Contains(k)))
        {
            problems.Add($"{consumer}: sets {key} for {service}, which is neither in deploy/settings/{service}.env or common.env nor listed there as varying per environment");
        }

        return problems;
    }

    /// <summary>
    /// Service → the settings kustomize components of an overlay (and of the overlays it builds on) merge into that
    /// service's ConfigMap: deliberate variants, such as the GPU classifier's or media in S3.
    /// </summary>
    private static Dictionary<string, List<KeyValuePair<string, string>>> ComponentSettings(string kustomizationDirectory)
    {
        var settings = new Dictionary<string, List<KeyValuePair<string, string>>>(StringComparer.Ordinal);
        void Visit(string directory, bool isComponent)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(Path.Combine(directory, "kustomization.yaml"))));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            IEnumerable<string> List(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var node)
                ? ((YamlSequenceNode)node).Children.Select(n => ((YamlScalarNode)n).Value!)
                : [];

            if (isComponent && root.Children.TryGetValue(new YamlScalarNode("configMapGenerator"), out var generators))
            {
                foreach (var generator in ((YamlSequenceNode)generators).Children.Cast<YamlMappingNode>())
                {
                    var configMap = ((YamlScalarNode)generator.Children[new YamlScalarNode("name")]).Value!;
                    if (!configMap.EndsWith("-config", StringComparison.Ordinal) || !generator.Children.TryGetValue(new YamlScalarNode("envs"), out var envs))
                    {
                        continue;
                    }

                    var service = configMap[..^"-config".Length];
                    foreach (var file in ((YamlSequenceNode)envs).Children.Select(n => ((YamlScalarNode)n).Value!))
                    {
                        (settings.TryGetValue(service, out var list) ? list : settings[service] = []).AddRange(SettingsCatalogue.Read(Path.Combine(directory, file)));
                    }
                }
            }

            foreach (var component in List("components"))
            {
                Visit(Path.GetFullPath(Path.Combine(directory, component)), isComponent: true);
            }

            foreach (var resource in List("resources").Where(r => Directory.Exists(Path.Combine(directory, r))))
            {
                Visit(Path.GetFullPath(Path.Combine(directory, resource)), isComponent: false);
            }
        }

        Visit(kustomizationDirectory, isComponent: false);
        return settings;
    }
}
