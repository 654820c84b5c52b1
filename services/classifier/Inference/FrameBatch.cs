using System.Collections.Concurrent;

namespace Moderation.Classifier.Inference;

/// <summary>
/// Input and output tensors of one inference call, in pinned buffers that are reused from batch to batch: frames are
/// decoded straight into <see cref="InputOf"/> and ONNX Runtime writes scores straight into the output buffers.
/// </summary>
public sealed class FrameBatch
{
    private readonly float[] input;
    private readonly float[] probabilities;
    private readonly float[] embeddings;
    private readonly float[] activations;

    internal FrameBatch(BatchShape shape)
    {
        Shape = shape;

        // Pinned once for the life of the pool, so handing them to native code costs nothing per call.
        input = GC.AllocateUninitializedArray<float>(shape.Capacity * shape.FrameLength, pinned: true);
        probabilities = GC.AllocateUninitializedArray<float>(shape.Capacity * shape.ClassCount, pinned: true);
        embeddings = GC.AllocateUninitializedArray<float>(shape.Capacity * shape.EmbeddingSize, pinned: true);
        activations = GC.AllocateUninitializedArray<float>(shape.Capacity * shape.ActivationLength, pinned: true);
    }

    public BatchShape Shape { get; }

    /// <summary>Frames filled, in slots 0 … Count-1; only these are sent to the model.</summary>
    public int Count { get; set; }

    public Span<float> InputOf(int slot) => input.AsSpan(slot * Shape.FrameLength, Shape.FrameLength);

    public ReadOnlySpan<float> ScoresOf(int slot) => probabilities.AsSpan(slot * Shape.ClassCount, Shape.ClassCount);

    public ReadOnlySpan<float> EmbeddingOf(int slot) => embeddings.AsSpan(slot * Shape.EmbeddingSize, Shape.EmbeddingSize);

    /// <summary>The frame's class activation maps (height × width × classes); empty when the model has none.</summary>
    public ReadOnlySpan<float> ActivationsOf(int slot) => activations.AsSpan(slot * Shape.ActivationLength, Shape.ActivationLength);

    internal Memory<float> Input => input.AsMemory(0, Count * Shape.FrameLength);

    internal Memory<float> Probabilities => probabilities.AsMemory(0, Count * Shape.ClassCount);

    internal Memory<float> Embeddings => embeddings.AsMemory(0, Count * Shape.EmbeddingSize);

    internal Memory<float> Activations => activations.AsMemory(0, Count * Shape.ActivationLength);

    /// <summary>Moves a decoded frame to an earlier slot, closing the gap an undecodable frame left.</summary>
    internal void MoveInput(int from, int to) => InputOf(from).CopyTo(InputOf(to));
}

/// <summary>Sizes of one batch: capacity in frames and floats per frame of each tensor.</summary>
/// <param name="ActivationLength">Floats per frame of the class activation maps; 0 for a model without them.</param>
public sealed record BatchShape(int Capacity, int FrameLength, int ClassCount, int EmbeddingSize, int ActivationLength = 0);

/// <summary>
/// Reuses <see cref="FrameBatch"/> buffers. At most one per concurrent batch is ever created, so the pool needs no bound.
/// </summary>
public sealed class FrameBatchPool(BatchShape shape)
{
    private readonly ConcurrentBag<FrameBatch> free = [];

    public BatchShape Shape { get; } = shape;

    public FrameBatch Rent()
    {
        if (!free.TryTake(out var batch))
        {
            batch = new FrameBatch(Shape);
        }

        batch.Count = 0;
        return batch;
    }

    public void Return(FrameBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        free.Add(batch);
    }
}
