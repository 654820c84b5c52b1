using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Moderation.ServiceDefaults;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>
/// The rendered manifests against the services' code: configuration keys are options the service binds, required
/// options are set, KEDA watches queues the services consume, probes hit the health endpoints, references resolve.
/// </summary>
public sealed class CrossCheckTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_environment_variable_is_an_option_its_service_binds(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        var checkedVariables = 0;
        foreach (var container in RenderedContainer.All(objects).Where(c => c.Service is not null))
        {
            var environment = container.Environment(objects);
            var helpers = container.ReferencedVariables(environment);
            foreach (var variable in environment)
            {
                checkedVariables++;
                if (ConfigurationRules.Check(container.Service!, variable.Name, helpers) is { } problem)
                {
                    problems.Add($"{container.Describe} ({variable.Source}): {problem}");
                }
            }
        }

        Assert.True(checkedVariables > 20, $"only {checkedVariables} variables found: is the environment wired at all?");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_service_gets_connection_strings_and_options_that_pass_its_validation(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        foreach (var service in ServiceCatalog.All)
        {
            var deployment = RenderedContainer.Find(objects, "Deployment", service.Name)!;
            var container = RenderedContainer.All([deployment]).Single(c => !c.IsInit && c.Service == service);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(container.Configuration(container.Environment(objects))).Build();

            if (service.UsesRabbitMq && string.IsNullOrEmpty(configuration.GetConnectionString(MessagingExtensions.ConnectionName)))
            {
                problems.Add($"{service}: ConnectionStrings:{MessagingExtensions.ConnectionName} is not set");
            }

            if (service.UsesPostgres)
            {
                var postgres = configuration.GetConnectionString("postgres");
                if (string.IsNullOrEmpty(postgres) || !postgres.Contains("Database=", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{service}: ConnectionStrings:postgres is not set or names no database ('{postgres}')");
                }
            }

            problems.AddRange(service.Options.SelectMany(o => o.BindAndValidate(configuration)).Select(p => $"{service}: {p}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_KEDA_trigger_watches_a_queue_its_target_service_consumes(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var scaledObjects = objects.OfKind("ScaledObject").ToList();

        Assert.NotEmpty(scaledObjects);
        foreach (var scaledObject in scaledObjects)
        {
            var target = scaledObject["spec"]!["scaleTargetRef"]!["name"].Text();
            var deployment = RenderedContainer.Find(objects, "Deployment", target);
            Assert.True(deployment is not null, $"ScaledObject {scaledObject["metadata"]!["name"]} targets Deployment {target}, which is not rendered");
            var container = RenderedContainer.All([deployment]).Single(c => !c.IsInit && c.Service is not null);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(container.Configuration(container.Environment(objects))).Build();
            var queues = container.Service!.QueueNames(configuration);

            var triggers = scaledObject["spec"]!["triggers"]!.AsArray().Where(t => t!["type"].Text() == "rabbitmq").ToList();
            Assert.NotEmpty(triggers);
            foreach (var trigger in triggers)
            {
                var queue = trigger!["metadata"]!["queueName"].Text();
                Assert.True(queues.Contains(queue),
                    $"ScaledObject {target} watches queue '{queue}', but {container.Service} consumes from: {string.Join(", ", queues.Order(StringComparer.Ordinal))}");
                var authentication = trigger["authenticationRef"]?["name"].Text();
                Assert.True(authentication is not null && RenderedContainer.Find(objects, "TriggerAuthentication", authentication) is not null,
                    $"ScaledObject {target}: TriggerAuthentication '{authentication}' is not rendered");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_probe_targets_a_health_endpoint_the_services_map(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        var services = RenderedContainer.All(objects.OfKind("Deployment")).Where(c => !c.IsInit).ToList();

        Assert.Equal(ServiceCatalog.All.Count, services.Count);
        foreach (var container in services)
        {
            var ports = container.Container["ports"]?.AsArray().Select(p => p!["name"].Text()).ToHashSet(StringComparer.Ordinal) ?? [];
            foreach (var (probe, path) in new[] { ("startupProbe", ServiceDefaults.Extensions.LivePath), ("livenessProbe", ServiceDefaults.Extensions.LivePath), ("readinessProbe", ServiceDefaults.Extensions.ReadyPath) })
            {
                var http = container.Container[probe]?["httpGet"];
                if (http is null)
                {
                    problems.Add($"{container.Describe}: no HTTP {probe}");
                    continue;
                }

                if (http["path"].Text() != path)
                {
                    problems.Add($"{container.Describe}: {probe} asks {http["path"]}, but it must ask {path}");
                }

                var port = http["port"]!;
                if (port.GetValueKind() == System.Text.Json.JsonValueKind.String ? !ports.Contains(port.Text()) : port.GetValue<long>() != 8080)
                {
                    problems.Add($"{container.Describe}: {probe} port {port} is not a port of the container");
                }
            }
        }

        foreach (var job in RenderedContainer.All(objects.OfKind("Job")))
        {
            Assert.Null(job.Container["livenessProbe"]);
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_referenced_secret_config_map_account_and_claim_exists(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var external = Manifests.ExternalSecrets();
        var problems = new List<string>();

        bool SecretHasKey(string name, string key)
        {
            if (RenderedContainer.Find(objects, "Secret", name) is { } secret)
            {
                return secret["data"]?[key] is not null || secret["stringData"]?[key] is not null;
            }

            return external.TryGetValue(name, out var keys) && keys.Contains(key);
        }

        // An optional key of a Secret that exists is one set only sometimes (a webhook's previous secret during a rotation).
        bool OptionalKeyOfKnownSecret(JsonNode reference) =>
            reference["optional"]?.GetValue<bool>() == true
            && (RenderedContainer.Find(objects, "Secret", reference["name"].Text()) is not null || external.ContainsKey(reference["name"].Text()));

        foreach (var container in RenderedContainer.All(objects))
        {
            foreach (var variable in container.Container["env"]?.AsArray() ?? [])
            {
                if (variable!["valueFrom"]?["secretKeyRef"] is { } reference && !SecretHasKey(reference["name"].Text(), reference["key"].Text())
                    && !OptionalKeyOfKnownSecret(reference))
                {
                    problems.Add($"{container.Describe}: Secret {reference["name"]} key {reference["key"]} is neither rendered, generated by an operator, nor created by create-secrets.sh");
                }
            }

            foreach (var from in container.Container["envFrom"]?.AsArray() ?? [])
            {
                if (from!["configMapRef"]?["name"].Text() is { Length: > 0 } name && RenderedContainer.Find(objects, "ConfigMap", name) is null)
                {
                    problems.Add($"{container.Describe}: ConfigMap {name} is not rendered");
                }
            }
        }

        foreach (var workload in objects.Where(o => RenderedContainer.PodSpecOf(o) is not null))
        {
            var pod = RenderedContainer.PodSpecOf(workload)!;
            var account = pod["serviceAccountName"].Text();
            var accountObject = RenderedContainer.Find(objects, "ServiceAccount", account);
            if (accountObject is null)
            {
                problems.Add($"{workload["kind"]}/{workload["metadata"]!["name"]}: ServiceAccount '{account}' is not rendered");
            }
            else if (accountObject["automountServiceAccountToken"]?.GetValue<bool>() != false || pod["automountServiceAccountToken"]?.GetValue<bool>() != false)
            {
                problems.Add($"{workload["kind"]}/{workload["metadata"]!["name"]}: the service account token would be mounted");
            }

            foreach (var volume in pod["volumes"]?.AsArray() ?? [])
            {
                if (volume!["persistentVolumeClaim"]?["claimName"].Text() is { Length: > 0 } claim && RenderedContainer.Find(objects, "PersistentVolumeClaim", claim) is null)
                {
                    problems.Add($"{workload["metadata"]!["name"]}: PersistentVolumeClaim {claim} is not rendered");
                }
            }
        }

        foreach (var authentication in objects.OfKind("TriggerAuthentication"))
        {
            foreach (var reference in authentication["spec"]!["secretTargetRef"]!.AsArray())
            {
                if (!SecretHasKey(reference!["name"].Text(), reference["key"].Text()))
                {
                    problems.Add($"TriggerAuthentication {authentication["metadata"]!["name"]}: Secret {reference["name"]} key {reference["key"]} does not exist");
                }
            }
        }

        var postgres = objects.OfKind("Cluster").Single();
        foreach (var secret in new[] { postgres["spec"]!["bootstrap"]!["initdb"]!["secret"]!["name"].Text() }
                     .Concat(postgres["spec"]!["managed"]!["roles"]!.AsArray().Select(r => r!["passwordSecret"]!["name"].Text())))
        {
            if (!SecretHasKey(secret, "username") || !SecretHasKey(secret, "password"))
            {
                problems.Add($"CloudNativePG Cluster: basic-auth Secret {secret} (username, password) does not exist");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_container_runs_unprivileged_on_a_read_only_root_with_bounded_resources(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        foreach (var container in RenderedContainer.All(objects))
        {
            var pod = container.PodSpec;
            var security = container.Container["securityContext"];
            if (pod["securityContext"]?["runAsNonRoot"]?.GetValue<bool>() != true)
            {
                problems.Add($"{container.Describe}: pod may run as root");
            }

            if (pod["securityContext"]?["seccompProfile"]?["type"].Text() != "RuntimeDefault")
            {
                problems.Add($"{container.Describe}: no RuntimeDefault seccomp profile");
            }

            if (security?["readOnlyRootFilesystem"]?.GetValue<bool>() != true ||
                security["allowPrivilegeEscalation"]?.GetValue<bool>() != false ||
                security["capabilities"]?["drop"]?.AsArray().Any(c => c.Text() == "ALL") != true)
            {
                problems.Add($"{container.Describe}: needs readOnlyRootFilesystem, no privilege escalation and all capabilities dropped");
            }

            var resources = container.Container["resources"];
            if (resources?["requests"]?["cpu"] is null || resources["requests"]?["memory"] is null || resources["limits"]?["memory"] is null)
            {
                problems.Add($"{container.Describe}: needs CPU and memory requests and a memory limit");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Only_ingest_and_the_dashboard_are_reachable_and_results_only_from_the_dashboard(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var policies = objects.OfKind("NetworkPolicy").ToList();

        foreach (var workload in objects.Where(o => RenderedContainer.PodTemplateOf(o) is not null))
        {
            var labels = RenderedContainer.PodTemplateOf(workload)!["metadata"]!["labels"]!.AsObject();
            var name = labels["app.kubernetes.io/name"].Text();
            var isolating = policies.Where(p => Selects(p["spec"]!["podSelector"]!, labels)).ToList();
            Assert.True(isolating.Any(p => p["spec"]!["policyTypes"]!.AsArray().Any(t => t.Text() == "Ingress")) &&
                        isolating.Any(p => p["spec"]!["policyTypes"]!.AsArray().Any(t => t.Text() == "Egress")),
                $"{name} is not isolated by a NetworkPolicy for both directions");

            // Prometheus's way in, to the port that serves /metrics alone (Metrics__Port), is checked by MetricsAndAutoscalingTests.
            var rules = isolating.SelectMany(p => p["spec"]!["ingress"]?.AsArray() ?? []).Where(rule => !MetricsAndAutoscalingTests.IsMetricsOnly(rule!)).ToList();
            switch (name)
            {
                case "ingest":
                    Assert.NotEmpty(rules);
                    break;
                case "dashboard":
                    break;
                case "results":
                    // The results API answers the dashboard only.
                    Assert.NotEmpty(rules);
                    Assert.All(rules, rule => Assert.All(rule!["from"]!.AsArray(), peer =>
                        Assert.Equal("dashboard", peer!["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"].Text())));
                    break;
                default:
                    Assert.True(rules.Count == 0, $"{name} accepts traffic through {string.Join(", ", isolating.Where(p => p["spec"]!["ingress"] is not null).Select(p => p["metadata"]!["name"]))}");
                    break;
            }
        }

        var ingresses = objects.OfKind("Ingress").ToList();
        Assert.Contains(ingresses, i => Backends(i).Contains("ingest"));
        Assert.All(ingresses, i => Assert.All(Backends(i), backend => Assert.Contains(backend, new[] { "ingest", "dashboard" })));
        Assert.All(objects.OfKind("HTTPRoute"), route => Assert.All(route["spec"]!["rules"]!.AsArray().SelectMany(r => r!["backendRefs"]!.AsArray()), backend =>
        {
            Assert.Contains(backend!["name"].Text(), new[] { "ingest", "dashboard" });
            Assert.Equal(80, backend["port"]!.GetValue<long>());
        }));
    }

    [Fact]
    public async Task Prod_gpu_classifier_requests_a_gpu_on_the_gpu_pool_and_scales_to_zero()
    {
        var objects = await Kubectl.RenderAsync("overlays/prod-gpu");
        var pod = RenderedContainer.Find(objects, "Deployment", "classifier")!["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var scaledObject = RenderedContainer.Find(objects, "ScaledObject", "classifier")!;
        var configuration = RenderedContainer.All(objects.OfKind("Deployment")).Single(c => c.WorkloadName == "classifier" && !c.IsInit);
        var settings = configuration.Configuration(configuration.Environment(objects));

        Assert.Equal("1", container["resources"]!["limits"]!["nvidia.com/gpu"]!.ToString());
        Assert.Contains(pod["tolerations"]!.AsArray(), t => t!["key"].Text() == "nvidia.com/gpu" && t["effect"].Text() == "NoSchedule");
        Assert.NotNull(pod["nodeSelector"]);
        Assert.EndsWith("-gpu:1.0.0", container["image"].Text(), StringComparison.Ordinal);
        Assert.Equal("Cuda", settings["Classifier:ExecutionProvider"]);
        Assert.Equal(0, scaledObject["spec"]!["minReplicaCount"]!.GetValue<long>());
        Assert.True(scaledObject["spec"]!["cooldownPeriod"]!.GetValue<long>() >= 300, "GPU workers need a cool-down of several minutes before scaling to zero");
    }

    private static IEnumerable<string> Backends(JsonObject ingress) =>
        ingress["spec"]!["rules"]!.AsArray().SelectMany(r => r!["http"]!["paths"]!.AsArray()).Select(p => p!["backend"]!["service"]!["name"].Text());

    private static bool Selects(JsonNode selector, JsonObject labels)
    {
        foreach (var (key, value) in selector["matchLabels"]?.AsObject() ?? [])
        {
            if (labels[key]?.Text() != value.Text())
            {
                return false;
            }
        }

        foreach (var expression in selector["matchExpressions"]?.AsArray() ?? [])
        {
            var label = labels[expression!["key"].Text()]?.Text();
            var values = expression["values"]?.AsArray().Select(v => v.Text()).ToList() ?? [];
            var matches = expression["operator"].Text() switch
            {
                "In" => label is not null && values.Contains(label),
                "NotIn" => label is null || !values.Contains(label),
                "Exists" => label is not null,
                "DoesNotExist" => label is null,
                _ => false,
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }
}
