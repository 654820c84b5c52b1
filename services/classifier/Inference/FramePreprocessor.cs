using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Model;
using Moderation.Pdq;

namespace Moderation.Classifier.Inference;

/// <summary>A frame's encoded picture, or why it could not be had (then <see cref="Image"/> is empty).</summary>
/// <param name="FailureReason">A <see cref="FailureReasons"/> code; null when the picture was loaded.</param>
/// <param name="Hash">PDQ-hash the decoded picture too (<see cref="FrameExtracted.MatchKnownContent"/>).</param>
public readonly record struct FrameInput(ReadOnlyMemory<byte> Image, string? FailureReason = null, string? FailureDetail = null, bool Hash = false)
{
    public static FrameInput Failed(string reason, string detail) => new(ReadOnlyMemory<byte>.Empty, reason, detail);
}

/// <summary>Where a frame ended up in its batch, or why it could not be decoded, or that it was withheld from the model.</summary>
/// <param name="Slot">Index in the batch tensor; -1 when the frame failed or was withheld.</param>
/// <param name="Error">Why the frame failed; null when it was decoded.</param>
/// <param name="Reason">The <see cref="FailureReasons"/> code of the failure; null when it was decoded.</param>
/// <param name="Hash">The decoded picture's PDQ hashes, when <see cref="FrameInput.Hash"/> asked for them.</param>
public readonly record struct FrameSlot(int Slot, string? Error, string? Reason = null, PdqDihedralResult? Hash = null)
{
    /// <summary>The frame is in the batch tensor, to be scored.</summary>
    public bool Decoded => Slot >= 0;

    /// <summary>Decoded, then withheld from the model (<see cref="FramePreprocessor.Withhold"/>): known content decided it.</summary>
    public bool Withheld => Slot < 0 && Error is null;

    /// <summary>The failure was not a plain decode error (logged as an error, reported as internal).</summary>
    public bool Unexpected => Reason == FailureReasons.Internal;
}

/// <summary>
/// Decodes the pictures of a batch in parallel, at their own resolution, and resizes them straight into the batch's
/// pooled input tensor with the preprocessing the manifest describes (the reference model's, value for value). A frame
/// that cannot be decoded is reported with its reason and left out of the tensor; its batch-mates are unaffected.
/// </summary>
public sealed class FramePreprocessor
{
    private readonly ImagePreprocessor image;
    private readonly long maxFramePixels;
    private readonly ParallelOptions parallel;

    public FramePreprocessor(IFrameClassifier classifier, IOptions<ClassifierOptions> options)
        : this((classifier ?? throw new ArgumentNullException(nameof(classifier))).Model.Input, (options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>The preprocessing of another model than the worker's configured one (a registered version).</summary>
    internal FramePreprocessor(ModelInput input, ClassifierOptions options)
    {
        image = new ImagePreprocessor(input, options.MaxFramePixels);
        maxFramePixels = options.MaxFramePixels;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = options.EffectivePreprocessParallelism };
    }

    /// <summary>Fills <paramref name="batch"/> with the decodable encoded <paramref name="pictures"/>, in order.</summary>
    public FrameSlot[] Fill(FrameBatch batch, IReadOnlyList<ReadOnlyMemory<byte>> pictures)
    {
        ArgumentNullException.ThrowIfNull(pictures);
        return Fill(batch, pictures.Select(p => new FrameInput(p)).ToArray());
    }

    /// <summary>Fills <paramref name="batch"/> with the decodable <paramref name="frames"/>, in order; failed inputs keep their reason.</summary>
    public FrameSlot[] Fill(FrameBatch batch, IReadOnlyList<FrameInput> frames)
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
            if (frames[i].FailureReason is { } reason)
            {
                slots[i] = new FrameSlot(-1, frames[i].FailureDetail ?? reason, reason);
                return;
            }

            try
            {
                // One decode for the model and, when asked, the PDQ hash of the same stored pixels.
                using var decoded = ImageDecoding.Decode(frames[i].Image.Span, maxFramePixels);
                image.Preprocess(decoded, batch.InputOf(i));
                var hash = frames[i].Hash
                    ? PdqHasher.HashWithDihedrals(decoded.Pixels, decoded.Width, decoded.Height, decoded.RowBytes, PdqPixelFormat.Rgba8888)
                    : null;
                slots[i] = new FrameSlot(i, null, null, hash);
            }
            catch (ImageDecodeException ex)
            {
                slots[i] = new FrameSlot(-1, ex.Message, ex.Failure switch
                {
                    ImageDecodeFailure.Truncated => FailureReasons.Truncated,
                    ImageDecodeFailure.TooManyPixels => FailureReasons.TooManyPixels,
                    _ => FailureReasons.FrameUndecodable,
                });
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Whatever a hostile frame makes the decoder throw stays that frame's problem.
                slots[i] = new FrameSlot(-1, $"{ex.GetType().Name}: {ex.Message}", FailureReasons.Internal);
            }
        });

        Compact(batch, slots);
        return slots;
    }

    /// <summary>
    /// Takes the frames at <paramref name="withheld"/> (indices into <paramref name="slots"/>) out of the batch tensor,
    /// so the model never scores them, and closes the gaps.
    /// </summary>
    public static void Withhold(FrameBatch batch, FrameSlot[] slots, IReadOnlyCollection<int> withheld)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(slots);
        if (withheld.Count == 0)
        {
            return;
        }

        foreach (var i in withheld)
        {
            slots[i] = slots[i] with { Slot = -1 };
        }

        Compact(batch, slots);
    }

    /// <summary>Moves the inputs of the slots still decoded to the front of the tensor, in order.</summary>
    private static void Compact(FrameBatch batch, FrameSlot[] slots)
    {
        var filled = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            if (!slots[i].Decoded)
            {
                continue;
            }

            if (slots[i].Slot != filled)
            {
                batch.MoveInput(slots[i].Slot, filled);
                slots[i] = slots[i] with { Slot = filled };
            }

            filled++;
        }

        batch.Count = filled;
    }
}
