using System.Text.Json.Nodes;
using Moderation.Contracts;
using Moderation.Testing;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>
/// Metrics, alerts and dashboards as Kubernetes gets them (components/monitoring), the autoscaling safety nets, and the
/// upload-hook wiring of an in-cluster wiki. The end-to-end MetricsTests scrape a running cluster with the same rules
/// and dashboard.
/// </summary>
public sealed class MetricsAndAutoscalingTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    private static readonly string[] Services = ["ingest", "frame-extractor", "classifier", "results", "dashboard"];

    /// <summary>What the PrometheusRule must alert on (issue: verdict latency p95, queue age, failed callbacks, review backlog, CPU fallback, extraction failures).</summary>
    private static readonly string[] RequiredAlerts =
    [
        "ModerationVerdictLatencyHigh", "ModerationQueueAgeHigh", "ModerationCallbacksFailed", "ModerationReviewBacklogLarge",
        "ModerationReviewBacklogOld", "ModerationClassifierOnCpu", "ModerationExtractionFailures",
    ];

    [Fact]
    public async Task Alert_rules_pass_their_promtool_unit_tests()
    {
        var directory = Directory.CreateTempSubdirectory("moderation-rules-").FullName;
        try
        {
            var rules = await AlertRules.WriteRuleFileAsync(directory);
            File.Copy(AlertRules.UnitTestsPath, Path.Combine(directory, "alerts.test.yaml"));
            var promtool = PrometheusServer.Executable("promtool");
            await ProcessRunner.RunAsync(promtool, ["check", "rules", rules], TimeSpan.FromMinutes(1));
            var output = await ProcessRunner.RunAsync(promtool, ["test", "rules", "alerts.test.yaml"], TimeSpan.FromMinutes(2), directory);
            Assert.Contains("SUCCESS", output, StringComparison.Ordinal);

            // Every alert is exercised by a unit test that expects it to fire.
            var tested = File.ReadAllText(AlertRules.UnitTestsPath);
            var alerts = (await Kubectl.RenderAsync("overlays/prod-gpu")).OfKind("PrometheusRule").Single()["spec"]!["groups"]!.AsArray()
                .SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!["alert"].Text()).ToList();
            Assert.All(alerts, alert => Assert.Contains($"alertname: {alert}\n    exp_alerts:\n    - exp_labels", tested, StringComparison.Ordinal));
            Assert.All(RequiredAlerts, alert => Assert.Contains(alert, alerts));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_service_serves_metrics_on_a_port_of_its_own_that_no_route_reaches(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        foreach (var name in Services)
        {
            var container = RenderedContainer.All([RenderedContainer.Find(objects, "Deployment", name)!]).Single(c => !c.IsInit);
            var settings = container.Configuration(container.Environment(objects));
            Assert.Equal("9464", settings["Metrics:Port"]);
            Assert.Equal(["8080", "9464"], settings["ASPNETCORE_HTTP_PORTS"]!.Split(';').Order(StringComparer.Ordinal));
            Assert.Contains(container.Container["ports"]!.AsArray(), p => p!["name"].Text() == "metrics" && p["containerPort"]!.GetValue<long>() == 9464);
            foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" }.Select(p => container.Container[p]).OfType<JsonNode>())
            {
                Assert.Equal("http", probe["httpGet"]!["port"].Text());
            }

            var service = objects.OfKind("Service").Single(s => s["metadata"]!["labels"]?["moderation/metrics"].Text() == "true"
                && s["spec"]!["selector"]!["app.kubernetes.io/name"].Text() == name);
            Assert.Contains(service["spec"]!["ports"]!.AsArray(), p => p!["name"].Text() == "metrics" && p["targetPort"].Text() == "metrics");
        }

        foreach (var ingress in objects.OfKind("Ingress"))
        {
            Assert.All(ingress["spec"]!["rules"]!.AsArray().SelectMany(r => r!["http"]!["paths"]!.AsArray()),
                path => Assert.Equal("http", path!["backend"]!["service"]!["port"]!["name"].Text()));
        }
    }

    [Fact]
    public async Task Prod_overlay_has_a_service_monitor_alert_rules_a_dashboard_and_lets_prometheus_in_to_the_metrics_port_only()
    {
        var objects = await Kubectl.RenderAsync("overlays/prod-gpu");

        var monitor = Assert.Single(objects.OfKind("ServiceMonitor"));
        Assert.Equal("true", monitor["spec"]!["selector"]!["matchLabels"]!["moderation/metrics"].Text());
        Assert.Equal("app.kubernetes.io/name", monitor["spec"]!["jobLabel"].Text());
        Assert.Equal("metrics", Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!["port"].Text());
        Assert.Single(objects.OfKind("PrometheusRule"));

        var dashboard = objects.OfKind("ConfigMap").Single(c => c["metadata"]!["labels"]?["grafana_dashboard"].Text() == "1");
        var json = JsonNode.Parse(dashboard["data"]!["moderation.json"].Text())!;
        Assert.Equal("moderation-cluster", json["uid"].Text());

        // Prometheus reaches the metrics port of every service, from its namespace, and nothing else through that policy.
        var policies = objects.OfKind("NetworkPolicy").ToList();
        var metricsRules = policies.SelectMany(p => p["spec"]!["ingress"]?.AsArray() ?? []).Where(r => IsMetricsOnly(r!)).ToList();
        Assert.NotEmpty(metricsRules);
        Assert.All(metricsRules, rule => Assert.All(rule!["from"]!.AsArray(), peer => Assert.NotNull(peer!["namespaceSelector"]?["matchLabels"])));
        var metricsPolicy = policies.Single(p => (p["spec"]!["ingress"]?.AsArray() ?? []).Any(r => IsMetricsOnly(r!)));
        Assert.Equal(Services.Order(StringComparer.Ordinal),
            metricsPolicy["spec"]!["podSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => v.Text()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_ScaledObject_holds_a_fixed_replica_count_when_KEDA_cannot_read_the_broker(string overlay)
    {
        var scaledObjects = (await Kubectl.RenderAsync($"overlays/{overlay}")).OfKind("ScaledObject").ToList();
        Assert.NotEmpty(scaledObjects);
        Assert.All(scaledObjects, scaledObject =>
        {
            var fallback = scaledObject["spec"]!["fallback"];
            Assert.NotNull(fallback);
            Assert.InRange(fallback!["failureThreshold"]!.GetValue<long>(), 1, 10);
            Assert.True(fallback["replicas"]!.GetValue<long>() >= 1, $"{scaledObject["metadata"]!["name"]}: a fallback of zero replicas stops the work");
        });
    }

    [Fact]
    public async Task The_queue_prefix_component_prefixes_every_KEDA_trigger_with_the_value_the_services_read()
    {
        var directory = Directory.CreateTempSubdirectory("moderation-prefix-").FullName;
        try
        {
            // kustomize takes relative paths only.
            string Relative(params string[] parts) => Path.GetRelativePath(directory, Path.Combine([RepoPaths.Root, "deploy", "k8s", .. parts]));
            await File.WriteAllTextAsync(Path.Combine(directory, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [{Relative("overlays", "dev")}]
                configMapGenerator:
                - name: moderation-common
                  behavior: merge
                  literals: [Messaging__QueuePrefix=blue]
                components: [{Relative("components", "queue-prefix")}]
                """);
            var objects = await Kubectl.RenderDirectoryAsync(directory);
            var unprefixed = (await Kubectl.RenderAsync("overlays/dev")).OfKind("ScaledObject")
                .SelectMany(o => o["spec"]!["triggers"]!.AsArray()).Select(t => t!["metadata"]!["queueName"].Text()).Order(StringComparer.Ordinal).ToList();

            var queues = objects.OfKind("ScaledObject").SelectMany(o => o["spec"]!["triggers"]!.AsArray()).Select(t => t!["metadata"]!["queueName"].Text());
            Assert.Equal(unprefixed.Select(q => QueueNames.Prefixed("blue", q)), queues.Order(StringComparer.Ordinal));
            foreach (var container in RenderedContainer.All(objects.OfKind("Deployment")).Where(c => !c.IsInit && c.Service?.UsesRabbitMq == true))
            {
                Assert.Equal("blue", container.Configuration(container.Environment(objects))["Messaging:QueuePrefix"]);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Ingest_gets_the_wikis_upload_hook_secret_from_the_secret_create_secrets_creates(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var ingest = RenderedContainer.All([RenderedContainer.Find(objects, "Deployment", "ingest")!]).Single(c => !c.IsInit);
        var secret = Assert.Single(ingest.Environment(objects), v => v.Name == "Webhooks__Clients__wiki__Secret");
        Assert.Equal("Secret ingest-webhook-wiki/secret", secret.Source);
        Assert.Contains("secret", Manifests.ExternalSecrets()["ingest-webhook-wiki"]);
    }

    [Fact]
    public void Compose_gives_ingest_the_wikis_upload_hook_secret_from_its_env_file()
    {
        var ingest = ComposeFile.Services()["ingest"];
        Assert.Equal("${WEBHOOK_WIKI_SECRET:?set WEBHOOK_WIKI_SECRET in deploy/compose/.env}", ingest.Environment["Webhooks__Clients__wiki__Secret"]);
        Assert.Contains(File.ReadAllLines(Path.Combine(RepoPaths.Root, "deploy", "compose", ".env.example")), l => l.StartsWith("WEBHOOK_WIKI_SECRET=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prod_ingest_admits_upload_clients_labelled_in_the_cluster_and_the_gateway_namespace()
    {
        var objects = await Kubectl.RenderAsync("overlays/prod-gpu");
        var peers = objects.OfKind("NetworkPolicy").Where(p => Selects(p, "ingest"))
            .SelectMany(p => p["spec"]!["ingress"]?.AsArray() ?? []).Where(r => !IsMetricsOnly(r!))
            .SelectMany(r => r!["from"]?.AsArray() ?? []).ToList();

        Assert.Contains(peers, p => p!["namespaceSelector"]?["matchLabels"]?["moderation/upload-client"].Text() == "true"
            && p["podSelector"]?["matchLabels"]?["moderation/upload-client"].Text() == "true");
        Assert.Contains(peers, p => p!["namespaceSelector"]?["matchLabels"]?["moderation/edge"].Text() == "true");
        // No peer admits every pod of every namespace.
        Assert.DoesNotContain(peers, p => p!["namespaceSelector"] is JsonObject { Count: 0 } && p["podSelector"] is null);
        Assert.Equal(2, objects.OfKind("HTTPRoute").Count());
    }

    /// <summary>An ingress rule that opens only the metrics port (9464).</summary>
    public static bool IsMetricsOnly(JsonNode rule) =>
        rule["ports"]?.AsArray() is { Count: > 0 } ports && ports.All(p => p!["port"]?.ToString() is "9464" or "metrics");

    private static bool Selects(JsonObject policy, string app)
    {
        var selector = policy["spec"]!["podSelector"]!;
        return selector["matchLabels"]?["app.kubernetes.io/name"].Text() == app
            || (selector["matchExpressions"]?.AsArray().Any(e => e!["key"].Text() == "app.kubernetes.io/name" && e["values"]!.AsArray().Any(v => v.Text() == app)) ?? false);
    }
}
