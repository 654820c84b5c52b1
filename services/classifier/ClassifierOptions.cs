using System.ComponentModel.DataAnnotations;

namespace Moderation.Classifier;

/// <summary>Settings of a classifier worker (section <c>Classifier</c>), validated when the host starts.</summary>
public sealed class ClassifierOptions
{
    public const string Section = "Classifier";

    /// <summary>Path of the <c>model.json</c> written by tools/model-import; the .onnx file it names sits beside it.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Classifier:ManifestPath is required: the model.json written by tools/model-import.")]
    public string ManifestPath { get; set; } = "";

    /// <summary>Where inference runs. GPU providers need the GPU build (<c>-p:OnnxRuntimeFlavor=Gpu</c>) and a device.</summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Cpu;

    /// <summary>
    /// When the requested GPU provider cannot be used, run on the CPU (logged as an error) instead of refusing to start.
    /// Turn off on GPU node pools where a silent 20× slowdown is worse than a crash loop.
    /// </summary>
    public bool AllowCpuFallback { get; set; } = true;

    /// <summary>CUDA device ordinal for the GPU providers.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Threads ONNX Runtime uses inside one operator; 0 lets it use one per physical core.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>Threads running independent graph branches in parallel; 0 or 1 runs the graph sequentially (best for CNNs).</summary>
    [Range(0, 256)]
    public int InterOpThreads { get; set; }

    /// <summary>
    /// Whether idle ONNX Runtime threads spin before sleeping. Spinning shaves latency on dedicated cores but steals
    /// cycles from JPEG decoding when cores are shared.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>
    /// Frames per inference call at most: a batch is dispatched when it is full or <see cref="MaxBatchWait"/> has passed.
    /// The default suits CPUs, where a small batch keeps activations in cache (on the 2-core development machine MobileNetV2
    /// ran at 78 images/s in batches of 8 against 55 in batches of 32); GPUs want 64–128.
    /// </summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>
    /// On the CPU, batches of at most this many frames run on a second session with one intra-op thread: a lone frame
    /// under light load then never waits at an operator's barrier for a core another process holds (on the shared
    /// 2-core machine that cut the half-load p99 of a still's acceptance-to-score from 250 to about 130 ms), while
    /// larger batches still spread over every intra-op thread for throughput. 0 turns the second session off; it is
    /// never made when <see cref="IntraOpThreads"/> is 1 or inference runs on a GPU.
    /// </summary>
    [Range(0, 1024)]
    public int SingleThreadedBatchMaxSize { get; set; } = 2;

    /// <summary>How long the first frame of a batch waits for batch-mates before the batch is dispatched anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Batches in flight at once. Two keep the session busy: one batch is inferred while the next is collected and
    /// decoded. The session itself runs one batch at a time.
    /// </summary>
    [Range(1, 16)]
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>Frames of one batch decoded and resized in parallel; 0 uses one per processor.</summary>
    [Range(0, 256)]
    public int PreprocessParallelism { get; set; }

    /// <summary>Frames larger than this are refused before decoding (they should arrive already scaled to the model size).</summary>
    [Range(1d, 268_435_456d)]
    public long MaxFramePixels { get; set; } = 4096L * 4096;

    /// <summary>
    /// Settings of ONNX Runtime's CUDA provider, passed on as they are (keys as ONNX Runtime documents them, e.g.
    /// <c>cudnn_conv_algo_search</c>, <c>prefer_nhwc</c>, <c>gpu_mem_limit</c>); <c>device_id</c> comes from
    /// <see cref="DeviceId"/>. Unknown keys stop the start-up with ONNX Runtime's own message.
    /// </summary>
    public Dictionary<string, string> CudaProviderOptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Diagnostics: when set, ONNX Runtime writes a per-operator profile (a Chrome trace, which operator ran where and for
    /// how long) to files starting with this path. Costs time on every inference: never on in production.
    /// </summary>
    public string? ProfilePathPrefix { get; set; }

    /// <summary>
    /// Classes (comma-separated) whose class activation map is stored beside a frame as a heatmap for reviewers, when the
    /// model has the maps (models imported by tools/model-import 2 and later). Empty stores none.
    /// </summary>
    public string HeatmapClasses { get; set; } = "Drawing,Hentai,Porn,Sexy";

    /// <summary>
    /// A frame gets a heatmap of one of <see cref="HeatmapClasses"/> when it scores that class at least this high. The
    /// classifier does not know the policy; the default is the default policy's lowest review threshold, so the frames
    /// that decide a verdict have theirs.
    /// </summary>
    [Range(0d, 1d)]
    public double HeatmapMinScore { get; set; } = 0.5;

    /// <summary>Directory where the TensorRT provider caches built engines, so later starts skip the engine build.</summary>
    public string? TensorRtEngineCachePath { get; set; }

    /// <summary>
    /// Apply the feedback head results trains on reviewers' decisions (<c>head.json</c>), when one compatible with the
    /// model is present; the scores then carry the head's version as their model version.
    /// </summary>
    public bool UseFeedbackHead { get; set; } = true;

    /// <summary>
    /// Empty (default): ask results over RabbitMQ for the newest published head. A path: read that <c>head.json</c>
    /// instead (a head pinned by hand, or tools/head-training's <c>FeedbackHead:OutputDirectory</c> on one machine).
    /// </summary>
    public string? FeedbackHeadPath { get; set; }

    /// <summary>How often results is asked, or the file checked, for a new head (applied without a restart).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FeedbackHeadReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The <c>model.json</c> of the cascade's second model (InceptionV3). Set, the worker loads it beside the first model
    /// and re-scores the frames of policies naming the cascade whose first scores fall in the policy's uncertain band;
    /// empty, such frames keep the first model's scores (rule <c>escalation-unavailable</c>).
    /// </summary>
    public string? EscalationManifestPath { get; set; }

    /// <summary>How often results is asked for the policies' model configurations and bands (a change applies without a restart).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CascadeBandsReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The model's name in results' registry (docs/models.md). Set: the worker scores live frames with the registry's
    /// active version of it (and its shadow on <c>ShadowShare</c> of live media), loaded from the shared blob store and
    /// refused unless its SHA-256 matches, asked for at start and every <see cref="ModelReloadInterval"/>; until a
    /// version is active, <see cref="ManifestPath"/>'s model (and its feedback head) scores. Empty: the file alone.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{0,128}$", ErrorMessage = "Classifier:ModelName must be a registered model name (letters, digits, '.', '_', '-').")]
    public string? ModelName { get; set; }

    /// <summary>How often results is asked for the registry's deployment of <see cref="ModelName"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ModelReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where registered versions are copied from the blob store before loading; empty: a folder under the temporary directory.</summary>
    public string? ModelCacheDirectory { get; set; }

    /// <summary>
    /// The bulk lane's (backfills') share of frames while live frames are being classified: 0 runs bulk frames only
    /// while the live lane is idle; 0.2 lets one bulk frame in for every four live ones. Live frames never wait for it.
    /// </summary>
    [Range(0d, 0.9d)]
    public double BulkMaxShare { get; set; } = 0.1;

    internal string EffectiveModelCacheDirectory => string.IsNullOrWhiteSpace(ModelCacheDirectory)
        ? Path.Combine(Path.GetTempPath(), "moderation-models")
        : ModelCacheDirectory;

    internal int EffectivePreprocessParallelism => PreprocessParallelism > 0 ? PreprocessParallelism : Environment.ProcessorCount;
}

public enum ExecutionProviderKind
{
    Cpu,
    Cuda,
    TensorRt,
}
