using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Moderation.Classifier.Apis;
using Moderation.Classifier.Inference;
using Moderation.Model;

namespace Moderation.Classifier.Tests;

public sealed class StartupTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task Manifest_sha256_that_does_not_match_the_model_refuses_start_before_consuming_anything()
    {
        var directory = Directory.CreateTempSubdirectory("classifier-tampered-").FullName;
        try
        {
            var manifest = fixture.Manifest;
            var model = await File.ReadAllBytesAsync(Path.Combine(Path.GetDirectoryName(fixture.ManifestPath)!, manifest.File));
            model[^1] ^= 0xFF;
            await File.WriteAllBytesAsync(Path.Combine(directory, manifest.File), model);
            var tamperedManifest = Path.Combine(directory, "model.json");
            manifest.Save(tamperedManifest);

            var error = Assert.ThrowsAny<Exception>(() => ClassifierHost.Start(fixture.RabbitMqUri, tamperedManifest));

            Assert.Contains(Errors.Chain(error), e => e is ModelIntegrityException);
            Assert.Contains("Refusing to load it", Errors.Flatten(error), StringComparison.Ordinal);
            Assert.Null(await TestBroker.MessageCountAsync(fixture.RabbitMqUri, TestBroker.ClassifierQueue));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("Classifier:MaxBatchSize", "0", "MaxBatchSize")]
    [InlineData("Classifier:MaxBatchWait", "00:00:00", "MaxBatchWait")]
    [InlineData("Classifier:ManifestPath", "/nonexistent/model.json", "does not exist")]
    public void Invalid_options_refuse_start(string key, string value, string expected)
    {
        var error = Assert.ThrowsAny<Exception>(() => ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string> { [key] = value }));

        Assert.Contains(Errors.Chain(error), e => e is OptionsValidationException);
        Assert.Contains(expected, Errors.Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_reports_ready_after_warm_up_and_serves_stats_to_loopback_callers()
    {
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath);
        using var http = host.CreateClient();

        var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(host.Get<ModelReadiness>().IsReady);
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("warm-up", StringComparison.Ordinal));

        var stats = await http.GetFromJsonAsync<ClassifierStats>("/api/classifier/stats");
        Assert.NotNull(stats);
        Assert.True(stats.Ready);
        Assert.Equal(fixture.Manifest.Name, stats.ModelName);
        Assert.Equal(fixture.Manifest.Version, stats.ModelVersion);
        Assert.Null(stats.FeedbackHeadVersion);
        Assert.Equal("Cpu", stats.ExecutionProvider);

        // A caller from elsewhere on the network is refused (no connection is made: the handler is called directly).
        var remote = new DefaultHttpContext();
        remote.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        var services = new ClassifierServices(host.Get<IFrameClassifier>(), host.Get<FeedbackHead>(), host.Get<ClassifierMetrics>(), host.Get<ModelReadiness>(),
            host.Get<EscalationModel>(), host.Get<CascadeBandsCache>());
        var refused = ClassifierApi.GetStats(remote, services).Result;
        Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsType<ProblemHttpResult>(refused).StatusCode);
    }

    [Fact]
    public async Task Readiness_is_unhealthy_until_the_model_is_warm()
    {
        var readiness = new ModelReadiness();
        var before = await readiness.CheckHealthAsync(new());
        readiness.MarkReady();
        var after = await readiness.CheckHealthAsync(new());

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, before.Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, after.Status);
    }
}

internal static class Errors
{
    public static IEnumerable<Exception> Chain(Exception error)
    {
        var pending = new Stack<Exception>([error]);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    public static string Flatten(Exception error) => string.Join(" | ", Chain(error).Select(e => e.Message));
}
