using Microsoft.Extensions.Options;
using Moderation.Model;

namespace Moderation.Classifier.Inference;

/// <summary>Where a frame ended up in its batch, or why it could not be decoded.</summary>
/// <param name="Slot">Index in the batch tensor; -1 when the frame failed.</param>
/// <param name="Error">Why the frame failed; null when it was decoded.</param>
/// <param name="Unexpected">The failure was not a plain decode error (logged as an error, reported as internal).</param>
public readonly record struct FrameSlot(int Slot, string? Error, bool Unexpected = false)
{
    public bool Decoded => Error is null;
}

/// <summary>
/// Decodes and resizes the JPEG frames of a batch in parallel, straight into the batch's pooled input tensor, with the
/// preprocessing the manifest describes. A frame that cannot be decoded is reported and left out of the tensor; its
/// batch-mates are unaffected.
/// </summary>
public sealed class FramePreprocessor
{
    private readonly ImagePreprocessor image;
    private readonly ParallelOptions parallel;

    public FramePreprocessor(IFrameClassifier classifier, IOptions<ClassifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        image = new ImagePreprocessor(classifier.Model.Input, options.Value.MaxFramePixels);
        parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.EffectivePreprocessParallelism };
    }

    /// <summary>Fills <paramref name="batch"/> with the decodable <paramref name="frames"/>, in order.</summary>
    public FrameSlot[] Fill(FrameBatch batch, IReadOnlyList<ReadOnlyMemory<byte>> frames)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count > batch.Shape.Capacity)
        {
            throw new ArgumentException($"{frames.Count} frames do not fit a batch of {batch.Shape.Capacity}.", nameof(frames));
        }

        var slots = new FrameSlot[frames.Count];
        Parallel.For(0, frames.Count, parallel, i =>
        {
            try
            {
                image.Preprocess(frames[i].Span, batch.InputOf(i));
                slots[i] = new FrameSlot(i, null);
            }
            catch (ImageDecodeException ex)
            {
                slots[i] = new FrameSlot(-1, ex.Message);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Whatever a hostile frame makes the decoder throw stays that frame's problem.
                slots[i] = new FrameSlot(-1, $"{ex.GetType().Name}: {ex.Message}", Unexpected: true);
            }
        });

        var filled = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            if (!slots[i].Decoded)
            {
                continue;
            }

            if (i != filled)
            {
                batch.MoveInput(i, filled);
                slots[i] = slots[i] with { Slot = filled };
            }

            filled++;
        }

        batch.Count = filled;
        return slots;
    }
}
