using System.CommandLine;
using Moderation.Classifier;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Classifier;

/// <summary>The <c>classifier</c> benchmark's command line; ranges follow the classifier's own options where they map.</summary>
internal sealed record ClassifierSettings(
    int Images,
    string Model,
    string? Manifest,
    ExecutionProviderKind Provider,
    int Batch,
    double WaitMs,
    int ConcurrentBatches,
    int IntraOp,
    bool Spinning,
    int PreprocessParallelism,
    int Rounds,
    double RawSeconds,
    int SaturateFrames,
    double LatencySeconds,
    double NsfwjsSeconds,
    string? RabbitMq,
    bool SharedBroker,
    bool SkipService,
    bool SkipNsfwjs,
    IReadOnlyDictionary<string, string> CudaOptions,
    string? OrtProfile)
{
    public static Command CreateCommand(Func<ClassifierSettings, Task<int>> run)
    {
        var images = new Option<int>("--images") { Description = "SFW 224×224 JPEG frames to run on (generated once, cached).", DefaultValueFactory = _ => 480 }.InRange(8, 20_000);
        var model = new Option<string>("--model") { Description = "The model (its manifest under the model directory; built when missing).", DefaultValueFactory = _ => "mobilenet_v2" };
        model.AcceptOnlyFromAmong("mobilenet_v2", "inception_v3");
        var manifest = new Option<FileInfo>("--manifest") { Description = "A model.json to use instead of --model's.", HelpName = "path/model.json" };
        manifest.AcceptExistingOnly();
        var provider = new Option<ExecutionProviderKind>("--provider") { Description = "Where inference runs (GPU providers need the GPU build: bench/gpu.sh).", DefaultValueFactory = _ => ExecutionProviderKind.Cpu };
        var batch = new Option<int>("--batch") { Description = "Frames per inference call at most.", DefaultValueFactory = _ => 8 }.InRange(1, 1024);
        var waitMs = new Option<double>("--wait-ms") { Description = "How long a batch waits for batch-mates, in milliseconds.", DefaultValueFactory = _ => 10 }.InRange(1, 10_000);
        var concurrentBatches = new Option<int>("--concurrent-batches") { Description = "Batches in flight at once.", DefaultValueFactory = _ => 2 }.InRange(1, 16);
        var intraOp = new Option<int>("--intra-op") { Description = "ONNX Runtime threads inside one operator; 0: one per physical core.", DefaultValueFactory = _ => 0 }.InRange(0, 256);
        var spinning = new Option<bool>("--spinning") { Description = "Let idle ONNX Runtime threads spin (the service runs)." };
        var preprocessParallelism = new Option<int>("--preprocess-parallelism") { Description = "Frames of a batch decoded in parallel; 0: one per processor.", DefaultValueFactory = _ => 0 }.InRange(0, 256);
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds of raw and service runs; the best of each counts.", DefaultValueFactory = _ => 3 }.InRange(1, 100);
        var rawSeconds = new Option<double>("--raw-seconds") { Description = "Seconds per raw ONNX Runtime pass.", DefaultValueFactory = _ => 6 }.InRange(0.5, 3600);
        var saturateFrames = new Option<int>("--saturate-frames") { Description = "Frames per saturation run of the service.", DefaultValueFactory = _ => 1500 }.InRange(1, 1_000_000);
        var latencySeconds = new Option<double>("--latency-seconds") { Description = "Seconds of each paced run (50 % and 100 % of capacity).", DefaultValueFactory = _ => 20 }.InRange(1, 3600);
        var nsfwjsSeconds = new Option<double>("--nsfwjs-seconds") { Description = "Seconds per nsfwjs backend.", DefaultValueFactory = _ => 30 }.InRange(1, 3600);
        var rabbitMq = new Option<string>("--rabbitmq") { Description = "Run the service against this broker instead of one of the benchmark's own.", HelpName = "amqp://user:pass@127.0.0.1:5672/vhost" };
        rabbitMq.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token]
                && !(Uri.TryCreate(token.Value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"))
            {
                result.AddError($"--rabbitmq takes an amqp:// or amqps:// URI; '{token.Value}' is not one.");
            }
        });
        var sharedBroker = new Option<bool>("--shared-broker") { Description = "Use a fresh virtual host on the servers the tests use instead of a broker of the benchmark's own." };
        var skipService = new Option<bool>("--skip-service") { Description = "Measure raw ONNX Runtime only, not the service." };
        var skipNsfwjs = new Option<bool>("--skip-nsfwjs") { Description = "Do not run nsfwjs." };
        var cudaOptions = new Option<string[]>("--cuda-option") { Description = "A CUDA provider setting, key=value (repeatable), as Classifier:CudaProviderOptions.", HelpName = "key=value", AllowMultipleArgumentsPerToken = false };
        cudaOptions.Validators.Add(result =>
        {
            foreach (var pair in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (pair.Split('=', 2) is not [{ Length: > 0 }, { Length: > 0 }])
                {
                    result.AddError($"--cuda-option {pair}: expected key=value.");
                }
            }
        });
        var ortProfile = new Option<string>("--ort-profile") { Description = "Write ONNX Runtime's per-operator profile with this path prefix (as Classifier:ProfilePathPrefix).", HelpName = "path-prefix" };

        var command = new Command("classifier", "Raw ONNX Runtime vs the classifier service through RabbitMQ vs nsfwjs (CPU and WASM), one image set, one run; a markdown report under .data/bench.")
        {
            images, model, manifest, provider, batch, waitMs, concurrentBatches, intraOp, spinning, preprocessParallelism, rounds, rawSeconds,
            saturateFrames, latencySeconds, nsfwjsSeconds, rabbitMq, sharedBroker, skipService, skipNsfwjs, cudaOptions, ortProfile,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(rabbitMq) is not null && result.GetValue(sharedBroker))
            {
                result.AddError("--rabbitmq and --shared-broker name two different brokers: give one.");
            }
        });
        command.SetAction(result => run(new ClassifierSettings(
            result.GetValue(images),
            result.GetRequiredValue(model),
            result.GetValue(manifest)?.FullName,
            result.GetValue(provider),
            result.GetValue(batch),
            result.GetValue(waitMs),
            result.GetValue(concurrentBatches),
            result.GetValue(intraOp),
            result.GetValue(spinning),
            result.GetValue(preprocessParallelism),
            result.GetValue(rounds),
            result.GetValue(rawSeconds),
            result.GetValue(saturateFrames),
            result.GetValue(latencySeconds),
            result.GetValue(nsfwjsSeconds),
            result.GetValue(rabbitMq),
            result.GetValue(sharedBroker),
            result.GetValue(skipService),
            result.GetValue(skipNsfwjs),
            (result.GetValue(cudaOptions) ?? []).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal),
            result.GetValue(ortProfile))));
        return command;
    }
}
