using Moderation.Bench;
using Moderation.Bench.Classifier;
using Moderation.Bench.Extractor;
using Moderation.Bench.Load;
using Moderation.Bench.Stills;
using Moderation.Bench.Video;

// One subcommand per benchmark: dotnet run -c Release --project bench/Moderation.Bench -- <command> [options]
var commands = new Dictionary<string, (Func<string[], Task<int>> Run, string Help)>(StringComparer.OrdinalIgnoreCase)
{
    ["classifier"] = (ClassifierBenchmark.RunAsync, "raw ONNX Runtime vs the classifier service through RabbitMQ vs nsfwjs (CPU and WASM)"),
    ["extractor"] = (ExtractorBenchmark.RunAsync, "a generated 30-minute 480p video: the seed's decode-every-frame loop vs the frame extractor"),
    ["load"] = (LoadBenchmark.RunAsync, "[--media 200] [--video-share 0.2] [--uploaders 8] [--chaos] [--minutes 20] [--extractor-concurrency N] [--soak --rate 2 --window-minutes 5] the whole cluster: saturation, fixed-rate latency, exactly-once count; --soak: one fixed rate, a report per window"),
    ["stills"] = (StillsBenchmark.RunAsync, "[--count 1000] [--uploaders 8] [--warmup 50] [--skip-peer] [--latency-seconds 60] [--stack <repo root>] the running stack (scripts/up) on distinct 640x480 stills vs a sharp + onnxruntime-node script: images/s, CPU ms per still by process, time-to-verdict at 50 %"),
    ["video"] = (VideoBenchmark.RunAsync, "[--minutes 32] [--stack <repo root>] a generated long 480p video: an OpenCV read-every-frame loop vs the running stack, acceptance to verdict"),
    ["upload-memory"] = (UploadMemoryBenchmark.RunAsync, "[--gib 1] peak working set of ingest while 1 GiB streams in (raw body, then multipart)"),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("Usage: Moderation.Bench <benchmark> [options]");
    foreach (var (name, (_, help)) in commands)
    {
        Console.Error.WriteLine($"  {name,-14} {help}");
    }

    return 2;
}

return await command.Run(args[1..]);
