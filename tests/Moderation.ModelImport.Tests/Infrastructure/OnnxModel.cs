using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Moderation.Model;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>An imported model in ONNX Runtime, driven only by its manifest (names, input size).</summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession session;

    public OnnxModel(string manifestPath)
    {
        Manifest = ModelManifest.Load(manifestPath);
        var stopwatch = Stopwatch.StartNew();
        session = new InferenceSession(Manifest.VerifiedModelPath(manifestPath));
        LoadTime = stopwatch.Elapsed;
    }

    public ModelManifest Manifest { get; }

    public TimeSpan LoadTime { get; }

    public IReadOnlyDictionary<string, NodeMetadata> Inputs => session.InputMetadata;

    public IReadOnlyDictionary<string, NodeMetadata> Outputs => session.OutputMetadata;

    /// <summary>Runs <paramref name="count"/> NHWC images; returns flat probabilities and embeddings.</summary>
    public (float[] Probabilities, float[] Embeddings) Run(float[] inputs, int count)
    {
        var input = Manifest.Input;
        using var tensor = OrtValue.CreateTensorValueFromMemory(inputs, [count, input.Height, input.Width, input.Channels]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input.Name], [tensor], [Manifest.Outputs.Probabilities, Manifest.Outputs.Embedding]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose() => session.Dispose();
}
