using System.CommandLine;
using Moderation.Bench.Stack;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Stills;

/// <summary>The <c>stills</c> benchmark's command line.</summary>
internal sealed record StillsSettings(int Count, int Uploaders, int Warmup, double LatencySeconds, double Minutes, bool SkipPeer, string? Stack)
{
    public static Command CreateCommand(Func<StillsSettings, Task<int>> run)
    {
        var count = new Option<int>("--count") { Description = "Distinct 640×480 stills measured (generated once, cached).", DefaultValueFactory = _ => 1000 }.InRange(10, 20_000);
        var uploaders = new Option<int>("--uploaders") { Description = "Concurrent uploaders.", DefaultValueFactory = _ => 8 }.InRange(1, 64);
        var warmup = new Option<int>("--warmup") { Description = "Stills submitted and waited for first, not counted.", DefaultValueFactory = _ => 50 }.InRange(0, 1000);
        var latencySeconds = new Option<double>("--latency-seconds") { Description = "Seconds of single stills at half the measured rate; 0 skips the phase.", DefaultValueFactory = _ => 60 }.InRange(0, 3600);
        var minutes = new Option<double>("--minutes") { Description = "Bound on the cluster phases.", DefaultValueFactory = _ => 30 }.InRange(1, 240);
        var skipPeer = new Option<bool>("--skip-peer") { Description = "Do not run the sharp + onnxruntime-node peer." };
        var stack = StackOption.Create();
        var command = new Command("stills", "The running stack (scripts/up) on distinct 640×480 stills vs a sharp + onnxruntime-node script: images/s, CPU ms per still by process, time-to-verdict at 50 %.")
        {
            count, uploaders, warmup, latencySeconds, minutes, skipPeer, stack,
        };
        command.SetAction(result => run(new StillsSettings(
            result.GetValue(count),
            result.GetValue(uploaders),
            result.GetValue(warmup),
            result.GetValue(latencySeconds),
            result.GetValue(minutes),
            result.GetValue(skipPeer),
            result.GetValue(stack)?.FullName)));
        return command;
    }
}
