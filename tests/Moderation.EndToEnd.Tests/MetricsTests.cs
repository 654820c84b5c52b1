using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// A real Prometheus scrapes /metrics of every service of the running cluster (and the reviewer dashboard), with the
/// alert rules of deploy/k8s/components/monitoring loaded, while a medium goes through: what an operator's Prometheus
/// would see. The Grafana dashboard's queries run against what it scraped.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class MetricsTests(ClusterFixture fixture)
{
    private const string Dashboard = "dashboard";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    
    /// <summary>Counters that appear only once their event happens (a refusal, a failure, a callback, a review), which this test does not provoke.</summary>
    private static readonly HashSet<string> EventOnlyMetrics = new(StringComparer.Ordinal)
    {
        "moderation_ingest_refusals_total", "moderation_results_failures_total", "moderation_results_callbacks_total",
        "moderation_results_reviews_total", "messaging_masstransit_consume_errors_total",
    };

    [Fact]
    public async Task Prometheus_scrapes_every_service_resolves_verdict_latency_below_a_second_and_runs_the_alerts_and_dashboard_queries()
    {
        var cluster = fixture.Cluster;
        var directory = Directory.CreateTempSubdirectory("moderation-metrics-").FullName;
        await using var dashboard = ServiceProcess.Start(Dashboard, DashboardAssembly(), DashboardEnvironment(cluster, directory), Path.Combine(directory, "dashboard.log"));
        await dashboard.WaitReadyAsync(Timeout);
        var targets = Cluster.Services.ToDictionary(s => s, cluster.BaseAddress);
        targets[Dashboard] = dashboard.BaseAddress;
        await using var prometheus = await PrometheusServer.StartAsync(targets, [await AlertRules.WriteRuleFileAsync(directory)]);

        var id = await fixture.Ingest.SubmitAcceptedAsync(await TestMedia.JpegAsync(320, 240));
        Assert.Equal("completed", IngestApi.State(await fixture.Ingest.WaitForEndAsync(id, Timeout)));

        // Every service answers the scrape.
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryAsync("up == 1")).Count == targets.Count, Timeout, "every target up");
        Assert.Equal(targets.Keys.Order(StringComparer.Ordinal), (await prometheus.QueryAsync("up == 1")).Select(s => s!["metric"]!["job"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // Verdict latency, with buckets that resolve below a second (the SDK default put everything under 5 s in one).
        const string Buckets = "sum by (le) (moderation_results_verdict_latency_seconds_bucket{job=\"results\"})";
        await prometheus.WaitUntilAsync(async () => Count(await prometheus.QueryAsync(Buckets), "+Inf") >= 1, Timeout, "the verdict in the latency histogram");
        var buckets = (await prometheus.QueryAsync(Buckets)).ToDictionary(s => s!["metric"]!["le"]!.GetValue<string>(), s => double.Parse(s!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture));
        var bounds = buckets.Keys.Where(le => le != "+Inf").Select(le => double.Parse(le, CultureInfo.InvariantCulture)).Order().ToList();
        Assert.True(bounds.Count(b => b < 1) >= 8, $"verdict latency buckets: {string.Join(", ", buckets.Keys)}");
        Assert.Contains(0.01, bounds);
        Assert.Contains(60, bounds);
        var p95 = await prometheus.QueryAsync("histogram_quantile(0.95, sum by (le) (moderation_results_verdict_latency_seconds_bucket))");
        Assert.True(double.Parse(Assert.Single(p95)!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture) is > 0 and < 120);

        // The backlog gauges (read from PostgreSQL) and the classifier's execution provider.
        foreach (var gauge in new[]
                 {
                     "moderation_results_review_backlog", "moderation_results_review_oldest_age_seconds", "moderation_results_media_in_flight",
                     "moderation_results_media_oldest_age_seconds", "moderation_results_callbacks_pending", "moderation_results_callbacks_oldest_pending_age_seconds",
                     "moderation_results_callbacks_failed",
                 })
        {
            await prometheus.WaitUntilAsync(async () => (await prometheus.QueryAsync(gauge)).Count > 0, Timeout, gauge);
        }

        var provider = Assert.Single(await prometheus.QueryAsync("moderation_classifier_execution_provider == 1"));
        Assert.Equal("Cpu", provider!["metric"]!["requested"]!.GetValue<string>());
        Assert.Equal("Cpu", provider["metric"]!["active"]!.GetValue<string>());

        // The alert rules load and evaluate without error on real series.
        await prometheus.WaitUntilAsync(async () => Rules(await prometheus.GetAsync("api/v1/rules")).All(r => r!["health"]!.GetValue<string>() == "ok"), Timeout, "every rule evaluated");
        var rules = Rules(await prometheus.GetAsync("api/v1/rules"));
        Assert.Equal(AlertNames(), rules.Select(r => r!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Empty(await prometheus.QueryAsync("ALERTS{alertname=~\"ModerationServiceDown|ModerationClassifierOnCpu|ModerationBacklogUnknown\"}"));

        // Every Grafana panel's query parses and runs, on metrics that exist.
        var names = (await prometheus.GetAsync("api/v1/label/__name__/values")).AsArray().Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (panel, expr) in DashboardQueries())
        {
            var query = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$namespace", ".*", StringComparison.Ordinal);
            try
            {
                await prometheus.QueryAsync(query);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"panel '{panel}': {e.Message}");
            }

            problems.AddRange(MetricName().Matches(query).Select(m => m.Value).Where(n => !names.Contains(n) && !EventOnlyMetrics.Contains(n))
                .Select(n => $"panel '{panel}' queries {n}, which no service exports"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static int Count(JsonArray series, string le) =>
        series.Where(s => s!["metric"]!["le"]?.GetValue<string>() == le).Sum(s => (int)double.Parse(s!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture));

    private static List<JsonNode?> Rules(JsonNode data) => data["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).ToList();

    private static IEnumerable<string> AlertNames() =>
        AlertName().Matches(File.ReadAllText(AlertRules.PrometheusRulePath)).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);

    private static List<(string Panel, string Expr)> DashboardQueries()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(AlertRules.Directory, "dashboards", "moderation.json")))!;
        var panels = dashboard["panels"]!.AsArray().SelectMany(p => new[] { p }.Concat(p!["panels"]?.AsArray() ?? [])).ToList();
        var queries = panels.SelectMany(p => (p!["targets"]?.AsArray() ?? []).Select(t => (p["title"]!.GetValue<string>(), t!["expr"]!.GetValue<string>()))).ToList();
        Assert.True(queries.Count >= 20, $"the dashboard has only {queries.Count} queries");
        return queries;
    }

    private static Dictionary<string, string> DashboardEnvironment(Cluster cluster, string directory)
    {
        var environment = new Dictionary<string, string>(SettingsCatalogue.For(Dashboard), StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_gcServer"] = "0",
            ["Dashboard__ResultsUrl"] = cluster.BaseAddress(Cluster.Results).ToString(),
            ["Dashboard__IngestUrl"] = cluster.BaseAddress(Cluster.Ingest).ToString(),
            ["Dashboard__KeysDirectory"] = Path.Combine(directory, "keys"),
            ["BlobStore__Root"] = Path.Combine(cluster.Directory, "blobs"),
        };
        return environment;
    }

    private static string DashboardAssembly()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepoPaths.Root, "services", "dashboard", "bin", configuration, "net10.0", "Moderation.Dashboard.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build Moderation.sln -c {configuration} first.");
    }

    [GeneratedRegex(@"\b(?:moderation|http_server|messaging_masstransit)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^\s*- alert: (\S+)", RegexOptions.Multiline)]
    private static partial Regex AlertName();
}
