using System.Text.Json.Nodes;
using k8s;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>Every overlay renders with kubectl kustomize, and every object matches the schema the API server applies.</summary>
public sealed class RenderTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_renders_and_every_object_matches_its_schema(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");

        Assert.NotEmpty(objects);
        var problems = new List<string>();
        foreach (var obj in objects)
        {
            var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? "";
            var kind = obj["kind"]?.GetValue<string>() ?? "";
            var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
            var id = $"{kind}/{name} ({apiVersion})";
            if (!Manifests.IsDnsSubdomain(name))
            {
                problems.Add($"{id}: metadata.name is not a DNS subdomain name");
            }

            if (Manifests.IsBuiltIn(apiVersion))
            {
                // The client library's generated models mirror the Kubernetes OpenAPI; strict mode rejects unknown fields.
                try
                {
                    var typed = KubernetesYaml.LoadAllFromString(obj.ToJsonString(), null, strict: true);
                    Assert.Single(typed);
                }
                catch (Exception e) when (e is YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or FormatException)
                {
                    problems.Add($"{id}: {Innermost(e).Message}");
                }
            }
            else
            {
                var schema = OpenApiSchema.For(apiVersion, kind);
                if (schema is null)
                {
                    problems.Add($"{id}: no vendored schema for this custom resource (add its CRD to Schemas/, see Schemas/README.md)");
                    continue;
                }

                problems.AddRange(schema.Validate(obj).Select(p => $"{id}: {p}"));
                var metadata = obj["metadata"]!.ToJsonString();
                try
                {
                    KubernetesYaml.Deserialize<k8s.Models.V1ObjectMeta>(metadata, strict: true);
                }
                catch (YamlDotNet.Core.YamlException e)
                {
                    problems.Add($"{id}: metadata: {Innermost(e).Message}");
                }
            }
        }

        Assert.True(problems.Count == 0, $"overlays/{overlay}:\n" + string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_contains_the_whole_cluster(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");

        foreach (var service in ServiceCatalog.All)
        {
            Assert.NotNull(RenderedContainer.Find(objects, "Deployment", service.Name));
            Assert.NotNull(RenderedContainer.Find(objects, "ServiceAccount", service.Name));
            Assert.NotNull(RenderedContainer.Find(objects, "PodDisruptionBudget", service.Name));
        }

        Assert.Single(objects, o => o["kind"]!.GetValue<string>() == "RabbitmqCluster");
        Assert.Single(objects, o => o["kind"]!.GetValue<string>() == "Cluster" && o["apiVersion"]!.GetValue<string>() == "postgresql.cnpg.io/v1");
        Assert.Contains(objects, o => o["kind"]!.GetValue<string>() == "Ingress" && o["metadata"]!["name"]!.GetValue<string>() == "ingest");
        Assert.Equal(2, objects.Count(o => o["kind"]!.GetValue<string>() == "ScaledObject"));
        var hpa = Assert.Single(objects, o => o["kind"]!.GetValue<string>() == "HorizontalPodAutoscaler");
        Assert.Equal("ingest", hpa["spec"]!["scaleTargetRef"]!["name"]!.GetValue<string>());
        Assert.Equal("cpu", hpa["spec"]!["metrics"]![0]!["resource"]!["name"]!.GetValue<string>());
        var autoscaled = objects.OfKind("ScaledObject").Select(o => o["spec"]!["scaleTargetRef"]!["name"].Text())
            .Append(hpa["spec"]!["scaleTargetRef"]!["name"].Text());
        Assert.All(autoscaled, name => Assert.True(RenderedContainer.Find(objects, "Deployment", name)!["spec"]!["replicas"] is null,
            $"Deployment {name} is autoscaled, so it must not set replicas (every apply would reset them)"));
        // The shared media volume exists exactly when a service keeps its blobs on the filesystem (not in a bucket).
        var onVolume = RenderedContainer.All(objects.OfKind("Deployment"))
            .Any(c => c.Environment(objects).Any(v => v.Name == "BlobStore__Kind" && v.Value == "filesystem"));
        Assert.Equal(onVolume, RenderedContainer.Find(objects, "PersistentVolumeClaim", "moderation-media") is not null);
        Assert.All(objects.Where(o => o["kind"]!.GetValue<string>() == "Job"), job =>
            Assert.Contains("migrate", job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>())));
    }

    [Fact]
    public void Vendored_schemas_cover_every_custom_resource_kind_in_deploy()
    {
        var kinds = Directory.EnumerateFiles(Path.Combine(Moderation.Testing.RepoPaths.Root, "deploy", "k8s"), "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(YamlDocuments.ParseFile)
            .Select(o => (ApiVersion: o["apiVersion"]?.GetValue<string>() ?? "", Kind: o["kind"]?.GetValue<string>() ?? ""))
            .Where(k => !Manifests.IsBuiltIn(k.ApiVersion))
            .Distinct()
            .ToList();

        Assert.NotEmpty(kinds);
        Assert.All(kinds, k => Assert.True(OpenApiSchema.For(k.ApiVersion, k.Kind) is not null, $"{k.Kind} ({k.ApiVersion}) has no vendored schema"));
    }

    [Fact]
    public void Schema_validation_rejects_unknown_fields_wrong_types_and_missing_required_fields()
    {
        var schema = OpenApiSchema.For("keda.sh/v1alpha1", "ScaledObject")!;
        var valid = JsonNode.Parse("""{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"x"},"spec":{"scaleTargetRef":{"name":"x"},"minReplicaCount":0,"triggers":[{"type":"rabbitmq","metadata":{"queueName":"q"}}]}}""")!.AsObject();
        var broken = JsonNode.Parse("""{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"x"},"spec":{"scaleTargetRef":{},"minReplicas":0,"cooldownPeriod":"300","triggers":[{"type":"rabbitmq","metadata":{"queueName":"q"}}]}}""")!.AsObject();

        Assert.Empty(schema.Validate(valid));
        var problems = schema.Validate(broken);
        Assert.Contains(problems, p => p.Contains("spec.minReplicas: unknown field", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("spec.cooldownPeriod: expected an integer", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("spec.scaleTargetRef: required field 'name' is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Core_objects_with_unknown_fields_are_rejected()
    {
        const string Typo = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replica":2,"selector":{},"template":{}}}""";

        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => KubernetesYaml.LoadAllFromString(Typo, null, strict: true));
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
