using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Moderation.Testing;
using Xunit.Abstractions;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// Every case of the generated hostile corpus, through the running cluster: each ends in a 4xx from ingest or a specific
/// <c>MediaFailed</c> reason (or, for valid media in a hostile wrapper, a normal verdict) within a time bound, with no
/// service crash, no connection to the playlists' targets and no temporary file left behind.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HostileInputTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan EndWithin = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_hostile_case_ends_cleanly_within_the_time_bound()
    {
        using var trap = new TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        var trapUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}/");
        var corpus = Directory.CreateTempSubdirectory("hostile-").FullName;
        try
        {
            var cases = await HostileCorpus.GenerateAsync(corpus, trapUrl);
            var outcomes = await Task.WhenAll(cases.Select(RunAsync));

            foreach (var line in outcomes.Select(o => o.Line))
            {
                output.WriteLine(line);
            }

            Assert.Empty(outcomes.Where(o => o.Problem is not null).Select(o => o.Problem));
            Assert.True(cases.Count >= 30);
            Assert.All(Cluster.Services, s => Assert.True(fixture.Cluster.IsRunning(s), $"{s} crashed:\n{fixture.Cluster.Log(s)}"));
            Assert.False(trap.Pending(), "a playlist made something connect to its target");
            await AssertNoTemporaryFilesAsync(Cluster.FrameExtractor);
            await AssertNoTemporaryFilesAsync(Cluster.Ingest);
        }
        finally
        {
            Directory.Delete(corpus, recursive: true);
        }
    }

    private async Task<(string Line, string? Problem)> RunAsync(HostileCase hostile)
    {
        var (status, body, _) = await fixture.Ingest.SubmitAsync(hostile.Path, hostile.FileName);
        if ((int)status >= 500)
        {
            return Result($"{(int)status} {body}", "a server error is never a clean answer");
        }

        if (status is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
        {
            var problemType = body?["title"]?.ToString() ?? "";
            return hostile.Outcome is HostileOutcome.Rejected or HostileOutcome.RejectedOrFailed
                ? Result($"{(int)status} {problemType}", null)
                : Result($"{(int)status} {problemType}", hostile.Outcome is HostileOutcome.Judged ? "valid media should have been accepted" : "should have been accepted and failed with a reason");
        }

        if (hostile.Outcome is HostileOutcome.Rejected)
        {
            return Result($"{(int)status} accepted", "should have been refused at the door");
        }

        var id = Guid.Parse(body!["mediaId"]!.GetValue<string>());
        JsonNode end;
        try
        {
            end = await fixture.Ingest.WaitForEndAsync(id, EndWithin);
        }
        catch (TimeoutException)
        {
            return Result("no end", $"did not end within {EndWithin}");
        }

        var state = IngestApi.State(end);
        var reason = end["failure"]?["reason"]?.GetValue<string>();
        var line = reason is null ? state : $"{state}: {reason} ({end["failure"]?["detail"]})";
        return (hostile.Outcome, state) switch
        {
            (HostileOutcome.Judged, "completed") => Result(line, null),
            (HostileOutcome.Judged, _) => Result(line, "valid media should have reached a verdict"),
            (_, "failed") when hostile.Reasons.Contains(reason) => Result(line, null),
            (_, "failed") => Result(line, $"reason '{reason}' is not one of {string.Join(", ", hostile.Reasons)}"),
            _ => Result(line, "should have failed"),
        };

        (string, string?) Result(string what, string? problem) =>
            ($"{hostile.Name,-34} {what}", problem is null ? null : $"{hostile.Name}: {what}: {problem}");
    }

    private async Task AssertNoTemporaryFilesAsync(string service)
    {
        var dir = fixture.Cluster.TempDirectory(service);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string[] left;
        do
        {
            left = Directory.Exists(dir)
                ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.dotnet/", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("clr-debug-pipe", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("dotnet-diagnostic", StringComparison.Ordinal)).ToArray()
                : [];
            if (left.Length == 0)
            {
                return;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{service} left temporary files: {string.Join(", ", left.Take(10))}");
    }
}
