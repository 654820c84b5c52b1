using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Moderation.Model;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The worker's ONNX Runtime session. Batches are queued to one dedicated inference thread, so the session runs one
/// batch at a time with all its intra-op threads while the next batches are decoded elsewhere, and a long synchronous
/// <c>Run</c> never occupies a thread-pool thread. On the CPU, small batches (light load) run on a second,
/// single-threaded session of the same model (<see cref="ClassifierOptions.SingleThreadedBatchMaxSize"/>).
/// </summary>
public sealed class OnnxFrameClassifier : IFrameClassifier, IDisposable
{
    private readonly OnnxSession onnx;
    private readonly OnnxSession? singleThreaded;
    private readonly ClassifierMetrics metrics;
    private readonly BlockingCollection<InferenceRequest> requests = [];
    private readonly Thread inferenceThread;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly long[] inputShape;
    private readonly long[] probabilitiesShape;
    private readonly long[] embeddingShape;
    private readonly long[]? activationShape;
    private readonly string providerName;

    public OnnxFrameClassifier(IOptions<ClassifierOptions> options, ClassifierMetrics metrics, ILogger<OnnxFrameClassifier> logger)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value.ManifestPath, options.Value, metrics, logger)
    {
    }

    /// <summary>A session of the model described by <paramref name="manifestPath"/> (a registered version copied from the blob store).</summary>
    internal OnnxFrameClassifier(string manifestPath, ClassifierOptions settings, ClassifierMetrics metrics, ILogger logger)
    {
        this.metrics = metrics;

        Model = ModelManifest.Load(manifestPath);
        var modelPath = Model.VerifiedModelPath(manifestPath);
        onnx = OnnxSessionFactory.Create(modelPath, Model, settings, logger);
        providerName = onnx.Provider.ToString();
        metrics.SessionOpened(settings.ExecutionProvider, onnx.Provider);
        try
        {
            inputShape = InputShape(onnx.Session, Model);
            probabilitiesShape = OutputShape(onnx.Session, Model.Outputs.Probabilities, Model.Classes.Count, "class probabilities");
            embeddingShape = OutputShape(onnx.Session, Model.Outputs.Embedding, Model.Outputs.EmbeddingSize, "embedding");
            activationShape = Model.Outputs.ClassActivation is { } maps
                ? [-1, maps.Height, maps.Width, Model.Classes.Count]
                : null;
            if (Model.Outputs.ClassActivation is { } declared)
            {
                OutputShape(onnx.Session, declared.Name, declared.LengthFor(Model.Classes.Count), "class activation");
            }
            singleThreaded = OnnxSessionFactory.CreateSingleThreaded(modelPath, Model, settings, onnx.Provider);
        }
        catch
        {
            onnx.Dispose();
            throw;
        }

        SingleThreadedBatchMaxSize = singleThreaded is null ? 0 : settings.SingleThreadedBatchMaxSize;

        inputNames = [Model.Input.Name];
        outputNames = Model.Outputs.ClassActivation is { } activation
            ? [Model.Outputs.Probabilities, Model.Outputs.Embedding, activation.Name]
            : [Model.Outputs.Probabilities, Model.Outputs.Embedding];
        Batches = new FrameBatchPool(new BatchShape(settings.MaxBatchSize, Model.Input.TensorLength, Model.Classes.Count, Model.Outputs.EmbeddingSize,
            Model.Outputs.ClassActivation?.LengthFor(Model.Classes.Count) ?? 0));

        inferenceThread = new Thread(ProcessRequests) { IsBackground = true, Name = "onnx-inference" };
        inferenceThread.Start();
        logger.LogInformation(
            "Loaded model {ModelName} {ModelVersion} (sha256 {Sha256}) on {ExecutionProvider}",
            Model.Name, Model.Version, Model.Sha256, onnx.Provider);
    }

    public ModelManifest Model { get; }

    public ExecutionProviderKind ExecutionProvider => onnx.Provider;

    /// <summary>Batches of at most this many frames run on the single-threaded CPU session; 0 when there is none.</summary>
    public int SingleThreadedBatchMaxSize { get; }

    public FrameBatchPool Batches { get; }

    public void WarmUp()
    {
        var batch = Batches.Rent();
        try
        {
            // Mid-grey frames: a realistic activation range, unlike zeros that some kernels short-cut.
            for (var slot = 0; slot < batch.Shape.Capacity; slot++)
            {
                batch.InputOf(slot).Fill(0.5f);
            }

            using var runOptions = new RunOptions();
            foreach (var size in new[] { batch.Shape.Capacity, 1 })
            {
                batch.Count = size;
                Run(batch, runOptions);
            }
        }
        finally
        {
            Batches.Return(batch);
        }
    }

    public Task ClassifyAsync(FrameBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.CompletedTask;
        }

        var request = new InferenceRequest(batch, cancellationToken);
        requests.Add(request, cancellationToken);
        return request.Completion.Task;
    }

    /// <summary>One synchronous inference on the calling thread; the benchmark's raw ceiling uses it directly.</summary>
    internal void Run(FrameBatch batch, RunOptions runOptions)
    {
        var count = batch.Count;
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Input, WithBatch(inputShape, count));
        using var probabilities = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Probabilities, WithBatch(probabilitiesShape, count));
        using var embeddings = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Embeddings, WithBatch(embeddingShape, count));
        var session = count <= SingleThreadedBatchMaxSize ? singleThreaded!.Session : onnx.Session;
        if (activationShape is null)
        {
            session.Run(runOptions, inputNames, [input], outputNames, [probabilities, embeddings]);
            return;
        }

        using var activations = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Activations, WithBatch(activationShape, count));
        session.Run(runOptions, inputNames, [input], outputNames, [probabilities, embeddings, activations]);
    }

    public void Dispose()
    {
        requests.CompleteAdding();
        inferenceThread.Join();
        requests.Dispose();
        singleThreaded?.Dispose();
        onnx.Dispose();
    }

    private void ProcessRequests()
    {
        foreach (var request in requests.GetConsumingEnumerable())
        {
            var token = request.CancellationToken;
            if (token.IsCancellationRequested)
            {
                request.Completion.TrySetCanceled(token);
                continue;
            }

            metrics.InferenceStarted(Stopwatch.GetElapsedTime(request.Enqueued));
            using var activity = Telemetry.ActivitySource.StartActivity("classifier.inference", ActivityKind.Internal, request.Parent);
            activity?.SetTag("classifier.batch.size", request.Batch.Count);
            activity?.SetTag("classifier.execution_provider", providerName);
            try
            {
                using var runOptions = new RunOptions();
                using var registration = token.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
                var started = Stopwatch.GetTimestamp();
                Run(request.Batch, runOptions);
                metrics.Inferred(Stopwatch.GetElapsedTime(started), providerName);
                request.Completion.TrySetResult();
            }
            catch (OnnxRuntimeException) when (token.IsCancellationRequested)
            {
                request.Completion.TrySetCanceled(token);
            }
            catch (Exception ex)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                request.Completion.TrySetException(ex);
            }
        }
    }

    private static long[] InputShape(InferenceSession session, ModelManifest model)
    {
        var input = model.Input;
        if (!session.InputMetadata.TryGetValue(input.Name, out var metadata))
        {
            throw new ModelIntegrityException($"The model has no input named '{input.Name}' (it has {string.Join(", ", session.InputMetadata.Keys)}).");
        }

        long[] expected = string.Equals(input.Layout, ModelInput.LayoutNchw, StringComparison.OrdinalIgnoreCase)
            ? [-1, input.Channels, input.Height, input.Width]
            : [-1, input.Height, input.Width, input.Channels];
        var actual = metadata.Dimensions;
        if (actual.Length != expected.Length || Enumerable.Range(1, expected.Length - 1).Any(i => actual[i] > 0 && actual[i] != expected[i]))
        {
            throw new ModelIntegrityException($"Input '{input.Name}' has shape [{string.Join(", ", actual)}], but the manifest describes [{string.Join(", ", expected)}] ({input.Layout}).");
        }

        RequireDynamicBatch(input.Name, actual);
        return expected;
    }

    private static long[] OutputShape(InferenceSession session, string name, int perFrame, string what)
    {
        if (!session.OutputMetadata.TryGetValue(name, out var metadata))
        {
            throw new ModelIntegrityException($"The model has no {what} output named '{name}' (it has {string.Join(", ", session.OutputMetadata.Keys)}).");
        }

        var dimensions = metadata.Dimensions;
        RequireDynamicBatch(name, dimensions);
        var shape = dimensions.Select(d => (long)d).ToArray();
        var known = shape.Skip(1).All(d => d > 0);
        if (dimensions.Length < 2 || (known && shape.Skip(1).Aggregate(1L, (a, b) => a * b) != perFrame))
        {
            throw new ModelIntegrityException($"Output '{name}' has shape [{string.Join(", ", dimensions)}], but the manifest expects {perFrame} values per frame for the {what}.");
        }

        return known ? shape : [-1, perFrame];
    }

    // Dynamic batching needs a free batch dimension; a graph exported for batch 1 must be re-exported.
    private static void RequireDynamicBatch(string name, int[] dimensions)
    {
        if (dimensions.Length == 0 || dimensions[0] > 0)
        {
            throw new ModelIntegrityException($"Tensor '{name}' has a fixed batch dimension ([{string.Join(", ", dimensions)}]); the classifier needs a dynamic one (-1).");
        }
    }

    private static long[] WithBatch(long[] shape, int count)
    {
        var result = (long[])shape.Clone();
        result[0] = count;
        return result;
    }

    private sealed class InferenceRequest(FrameBatch batch, CancellationToken cancellationToken)
    {
        public FrameBatch Batch { get; } = batch;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public long Enqueued { get; } = Stopwatch.GetTimestamp();

        // The inference thread has no ambient activity; the span joins the trace of the batch that asked for it.
        public ActivityContext Parent { get; } = Activity.Current?.Context ?? default;

        // Continuations must not run on the inference thread, or publishing would delay the next batch.
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
