using System.Net;
using System.Net.Sockets;
using Moderation.FrameExtractor.Extraction;
using Moderation.Testing;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>The shared hostile corpus straight into the extractor (as if ingest had let everything through).</summary>
public sealed class HostileCorpusTests
{
    [Fact]
    public async Task Every_hostile_case_ends_cleanly_with_an_expected_reason_and_no_host_is_dialled()
    {
        using var trap = new TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        var trapUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}/");
        using var harness = ExtractorHarness.Create();
        var cases = await HostileCorpus.GenerateAsync(Path.Combine(harness.Root, "corpus"), trapUrl);

        var problems = new List<string>();
        foreach (var hostile in cases)
        {
            var run = await harness.ExtractAsync(hostile.Path).WaitAsync(TimeSpan.FromSeconds(60));
            var failed = run.Failed;
            var ok = hostile.Outcome switch
            {
                HostileOutcome.Judged => run.Outcome is ExtractionOutcome.Completed && failed is null && run.Frames.Count > 0,
                HostileOutcome.Rejected => failed is not null,
                _ => failed is not null && hostile.Reasons.Contains(failed.Reason),
            };
            if (!ok || (failed is not null && run.Frames.Count > 0 && run.Planned is null))
            {
                problems.Add($"{hostile.Name}: {run.Outcome} {failed?.Reason} {failed?.Detail}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.False(trap.Pending(), "a hostile medium made ffmpeg connect to a host");
        Assert.Empty(Directory.EnumerateFileSystemEntries(harness.ScratchRoot));
    }
}
