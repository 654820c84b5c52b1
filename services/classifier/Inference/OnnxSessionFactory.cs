using Microsoft.ML.OnnxRuntime;
using Moderation.Model;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Moderation.Classifier.Inference;

/// <summary>An ONNX Runtime session and the execution provider it actually runs on.</summary>
public sealed record OnnxSession(InferenceSession Session, ExecutionProviderKind Provider, bool Profiling = false) : IDisposable
{
    public void Dispose()
    {
        if (Profiling)
        {
            // ONNX Runtime writes the profile only when asked to end it.
            Session.EndProfiling();
        }

        Session.Dispose();
    }
}

/// <summary>
/// Creates the one <see cref="InferenceSession"/> of a worker on the configured execution provider, falling back to the
/// CPU (with an error in the log) when the GPU provider is missing from the native build or cannot open its device.
/// </summary>
public static class OnnxSessionFactory
{
    private const string CudaProviderName = "CUDAExecutionProvider";
    private const string TensorRtProviderName = "TensorrtExecutionProvider";

    public static OnnxSession Create(string modelPath, ModelManifest manifest, ClassifierOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);

        var requested = options.ExecutionProvider;
        if (requested == ExecutionProviderKind.Cpu)
        {
            return Open(modelPath, manifest, options, ExecutionProviderKind.Cpu);
        }

        var available = OrtEnv.Instance().GetAvailableProviders();
        var candidates = requested == ExecutionProviderKind.TensorRt
            ? new[] { ExecutionProviderKind.TensorRt, ExecutionProviderKind.Cuda }
            : [ExecutionProviderKind.Cuda];

        foreach (var candidate in candidates)
        {
            var providerName = candidate == ExecutionProviderKind.TensorRt ? TensorRtProviderName : CudaProviderName;
            if (!available.Contains(providerName))
            {
                logger.LogError(
                    "Execution provider {Provider} was requested but this ONNX Runtime build only has {AvailableProviders}; build the GPU image with -p:OnnxRuntimeFlavor=Gpu",
                    candidate, string.Join(", ", available));
                continue;
            }

            try
            {
                var session = Open(modelPath, manifest, options, candidate);
                if (candidate != requested)
                {
                    logger.LogWarning("Execution provider {Requested} is unavailable; running on {Provider} instead", requested, candidate);
                }

                return session;
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                logger.LogError(ex, "Execution provider {Provider} could not start on device {DeviceId}", candidate, options.DeviceId);
            }
        }

        if (!options.AllowCpuFallback)
        {
            throw new InvalidOperationException(
                $"Execution provider {requested} is unavailable and Classifier:AllowCpuFallback is false; refusing to run on the CPU.");
        }

        logger.LogError(
            "GPU execution provider {Requested} is unavailable; FALLING BACK TO CPU inference (much slower). Set Classifier:AllowCpuFallback=false to refuse instead",
            requested);
        return Open(modelPath, manifest, options, ExecutionProviderKind.Cpu);
    }

    /// <summary>
    /// The CPU session with a single intra-op thread for small batches (<see cref="ClassifierOptions.SingleThreadedBatchMaxSize"/>),
    /// or null when it would not differ from the main session or the main session is on a GPU.
    /// </summary>
    public static OnnxSession? CreateSingleThreaded(string modelPath, ModelManifest manifest, ClassifierOptions options, ExecutionProviderKind mainProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        return mainProvider == ExecutionProviderKind.Cpu && options.SingleThreadedBatchMaxSize > 0 && options.IntraOpThreads != 1
            ? Open(modelPath, manifest, options, ExecutionProviderKind.Cpu, intraOpThreads: 1)
            : null;
    }

    private static OnnxSession Open(string modelPath, ModelManifest manifest, ClassifierOptions options, ExecutionProviderKind provider, int? intraOpThreads = null)
    {
        // The session copies what it needs from the options (and the provider options they hold) when it is created.
        using var sessionOptions = CreateOptions(options, manifest, provider, intraOpThreads ?? options.IntraOpThreads);
        return new OnnxSession(new InferenceSession(modelPath, sessionOptions), provider, sessionOptions.EnableProfiling);
    }

    private static SessionOptions CreateOptions(ClassifierOptions options, ModelManifest manifest, ExecutionProviderKind provider, int intraOpThreads)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = options.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            LogId = manifest.Name,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        if (!string.IsNullOrWhiteSpace(options.ProfilePathPrefix))
        {
            // The prefix first: enabling profiling hands ONNX Runtime the prefix set at that moment.
            sessionOptions.ProfileOutputPathPrefix = options.ProfilePathPrefix;
            sessionOptions.EnableProfiling = true;
        }

        try
        {
            switch (provider)
            {
                case ExecutionProviderKind.TensorRt:
                    using (var tensorRt = TensorRtOptions(options, manifest))
                    {
                        sessionOptions.AppendExecutionProvider_Tensorrt(tensorRt);
                    }

                    // Nodes TensorRT cannot take run on CUDA rather than dropping to the CPU.
                    AppendCuda(sessionOptions, options);
                    break;
                case ExecutionProviderKind.Cuda:
                    AppendCuda(sessionOptions, options);
                    break;
                case ExecutionProviderKind.Cpu:
                    break;
            }
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }

        return sessionOptions;
    }

    private static void AppendCuda(SessionOptions sessionOptions, ClassifierOptions options)
    {
        using var cuda = new OrtCUDAProviderOptions();
        var settings = new Dictionary<string, string>(options.CudaProviderOptions, StringComparer.Ordinal)
        {
            ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        cuda.UpdateOptions(settings);
        sessionOptions.AppendExecutionProvider_CUDA(cuda);
    }

    // TensorRT builds one engine per input shape unless told the range of batch sizes up front; the cache makes a
    // restarted pod skip the minutes-long build.
    private static OrtTensorRTProviderOptions TensorRtOptions(ClassifierOptions options, ModelManifest manifest)
    {
        var input = manifest.Input;
        string Shape(int batch) => string.Equals(input.Layout, ModelInput.LayoutNchw, StringComparison.OrdinalIgnoreCase)
            ? $"{input.Name}:{batch}x{input.Channels}x{input.Height}x{input.Width}"
            : $"{input.Name}:{batch}x{input.Height}x{input.Width}x{input.Channels}";

        var settings = new Dictionary<string, string>
        {
            ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["trt_profile_min_shapes"] = Shape(1),
            ["trt_profile_opt_shapes"] = Shape(options.MaxBatchSize),
            ["trt_profile_max_shapes"] = Shape(options.MaxBatchSize),
        };
        if (!string.IsNullOrWhiteSpace(options.TensorRtEngineCachePath))
        {
            settings["trt_engine_cache_enable"] = "1";
            settings["trt_engine_cache_path"] = options.TensorRtEngineCachePath;
        }

        var tensorRt = new OrtTensorRTProviderOptions();
        try
        {
            tensorRt.UpdateOptions(settings);
            return tensorRt;
        }
        catch
        {
            tensorRt.Dispose();
            throw;
        }
    }
}
