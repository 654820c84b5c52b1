using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Moderation.Deploy.Tests;

/// <summary>One environment variable of a container as Kubernetes will set it.</summary>
/// <param name="Name">Variable name (<c>Section__Key</c> for options).</param>
/// <param name="Value">Literal value, or null when it comes from a Secret or the downward API.</param>
/// <param name="Source">Where it is defined, for messages (<c>env</c>, <c>ConfigMap x</c>, <c>Secret y/key</c>).</param>
public sealed record EnvironmentVariable(string Name, string? Value, string Source)
{
    public bool FromSecret => Source.StartsWith("Secret ", StringComparison.Ordinal);
}

/// <summary>A container of a rendered workload (Deployment, Job, …), with what it needs resolved from the same render.</summary>
public sealed record RenderedContainer(JsonObject Workload, JsonObject Container, bool IsInit)
{
    private static readonly Regex Reference = new(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", RegexOptions.Compiled);

    public string WorkloadKind => Workload["kind"]!.GetValue<string>();

    public string WorkloadName => Workload["metadata"]!["name"]!.GetValue<string>();

    public string Name => Container["name"]!.GetValue<string>();

    public string Image => Container["image"]!.GetValue<string>();

    public string Describe => $"{WorkloadKind}/{WorkloadName} {(IsInit ? "init container" : "container")} {Name}";

    /// <summary>The pod spec this container belongs to.</summary>
    public JsonNode PodSpec => PodSpecOf(Workload)!;

    /// <summary>The service whose assembly runs in this container, or null for the model image.</summary>
    public ServiceCatalog? Service => ServiceCatalog.ForImage(Image);

    /// <summary>Every environment variable, ConfigMap keys from <c>envFrom</c> included; later definitions win, as in Kubernetes.</summary>
    public IReadOnlyList<EnvironmentVariable> Environment(IReadOnlyList<JsonObject> objects)
    {
        var variables = new Dictionary<string, EnvironmentVariable>(StringComparer.Ordinal);
        foreach (var from in Container["envFrom"]?.AsArray() ?? [])
        {
            if (from?["configMapRef"]?["name"]?.GetValue<string>() is { } configMap)
            {
                var data = Find(objects, "ConfigMap", configMap)?["data"]?.AsObject()
                    ?? throw new InvalidOperationException($"{Describe} reads ConfigMap {configMap}, which the render does not contain.");
                foreach (var (key, value) in data)
                {
                    variables[key] = new EnvironmentVariable(key, value?.ToString(), $"ConfigMap {configMap}");
                }
            }
            else if (from?["secretRef"]?["name"]?.GetValue<string>() is { } secret)
            {
                var data = Find(objects, "Secret", secret)?["data"]?.AsObject()
                    ?? throw new InvalidOperationException($"{Describe} reads all keys of Secret {secret}, which is not rendered, so its keys cannot be checked; use secretKeyRef.");
                foreach (var (key, _) in data)
                {
                    variables[key] = new EnvironmentVariable(key, null, $"Secret {secret}/{key}");
                }
            }
        }

        foreach (var entry in Container["env"]?.AsArray() ?? [])
        {
            var name = entry!["name"]!.GetValue<string>();
            if (entry["value"] is { } value)
            {
                variables[name] = new EnvironmentVariable(name, value.ToString(), "env");
            }
            else if (entry["valueFrom"]?["secretKeyRef"] is { } secretRef)
            {
                variables[name] = new EnvironmentVariable(name, null, $"Secret {secretRef["name"]}/{secretRef["key"]}");
            }
            else if (entry["valueFrom"]?["configMapKeyRef"] is { } configMapRef)
            {
                var configMap = configMapRef["name"]!.GetValue<string>();
                var data = Find(objects, "ConfigMap", configMap)?["data"]?[configMapRef["key"]!.GetValue<string>()];
                variables[name] = new EnvironmentVariable(name, data?.ToString(), $"ConfigMap {configMap}");
            }
            else
            {
                variables[name] = new EnvironmentVariable(name, null, "downward API");
            }
        }

        return variables.Values.ToList();
    }

    /// <summary>Names used only inside other variables' values as <c>$(NAME)</c> (e.g. a password spliced into a connection string).</summary>
    public IReadOnlySet<string> ReferencedVariables(IReadOnlyList<EnvironmentVariable> environment) =>
        environment.Where(v => v.Value is not null)
            .SelectMany(v => Reference.Matches(v.Value!).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The configuration the service will see: variables with <c>__</c> turned into <c>:</c>, <c>$(NAME)</c> references
    /// expanded, and values the render cannot know (secrets) replaced by a long placeholder.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Configuration(IReadOnlyList<EnvironmentVariable> environment)
    {
        const string SecretPlaceholder = "placeholder-for-a-secret-value-0123456789-abcdefghijklmnopqrstuvwxyz";
        var values = environment.ToDictionary(v => v.Name, v => v.Value ?? SecretPlaceholder, StringComparer.Ordinal);
        return environment.ToDictionary(
            v => v.Name.Replace("__", ":", StringComparison.Ordinal),
            v => (string?)Reference.Replace(values[v.Name], m => values.GetValueOrDefault(m.Groups[1].Value, m.Value)),
            StringComparer.OrdinalIgnoreCase);
    }

    public static IEnumerable<RenderedContainer> All(IEnumerable<JsonObject> objects)
    {
        foreach (var workload in objects)
        {
            var pod = PodSpecOf(workload);
            if (pod is null)
            {
                continue;
            }

            foreach (var container in pod["initContainers"]?.AsArray() ?? [])
            {
                yield return new RenderedContainer(workload, container!.AsObject(), IsInit: true);
            }

            foreach (var container in pod["containers"]?.AsArray() ?? [])
            {
                yield return new RenderedContainer(workload, container!.AsObject(), IsInit: false);
            }
        }
    }

    /// <summary>The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob); null for other kinds.</summary>
    public static JsonNode? PodTemplateOf(JsonObject workload) => workload["kind"]?.GetValue<string>() switch
    {
        "Deployment" or "StatefulSet" or "DaemonSet" or "Job" => workload["spec"]?["template"],
        "CronJob" => workload["spec"]?["jobTemplate"]?["spec"]?["template"],
        _ => null,
    };

    public static JsonNode? PodSpecOf(JsonObject workload) => PodTemplateOf(workload)?["spec"];

    public static JsonObject? Find(IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.FirstOrDefault(o => o["kind"]?.GetValue<string>() == kind && o["metadata"]?["name"]?.GetValue<string>() == name);
}
