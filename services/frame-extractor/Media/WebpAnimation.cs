using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using SkiaSharp;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Animated WebP, which the ffmpeg of current Debian (5.1) cannot decode: read with Skia's WebP codec instead. The
/// canvas size, frame count and duration come from the container header and are checked against the limits before a
/// single pixel is decoded, so memory stays within one canvas plus one scaled frame; decoding stops between frames when
/// the extraction is cancelled. Frames are composited in order, as a viewer would see them.
/// </summary>
public sealed class WebpAnimation(IOptions<MediaLimitsOptions> limits, IOptions<FfmpegOptions> ffmpeg) : IFrameSource
{
    public const string SourceName = "skia-webp";

    public string Name => SourceName;

    public static bool Handles(MediaProbe probe) => probe.Visual is null && probe.UnsizedVideoCodec == "webp" && probe.FormatName == "webp_pipe";

    public ProbedMedium Probe(string path, MediaProbe probe)
    {
        using var codec = Open(path);
        var info = codec.Info;
        var l = limits.Value;
        if ((long)info.Width * info.Height > l.MaxPixels)
        {
            throw new MediaRejectedException(FailureReasons.TooManyPixels,
                $"The animation's canvas is {info.Width}×{info.Height} pixels; at most {l.MaxPixels} are accepted.");
        }

        var frames = codec.FrameInfo;
        if (frames.Length > l.MaxSourceFrames)
        {
            throw new MediaRejectedException(FailureReasons.TooManyFrames, $"The animation holds {frames.Length} frames; at most {l.MaxSourceFrames} are accepted.");
        }

        // Viewers show a frame with no delay for a moment anyway; counting it as 10 ms keeps timestamps distinct.
        var durations = frames.Length == 0 ? [0.0] : frames.Select(f => Math.Max(f.Duration, 10) / 1000.0).ToArray();
        var starts = new double[durations.Length];
        for (var i = 1; i < starts.Length; i++)
        {
            starts[i] = starts[i - 1] + durations[i - 1];
        }

        var total = starts[^1] + durations[^1];
        if (total > l.MaxDurationSeconds)
        {
            throw new MediaRejectedException(FailureReasons.TooLong, $"The animation lasts {total:0.#} s; at most {l.MaxDurationSeconds:0.#} s is accepted.");
        }

        var visual = new VisualStream(0, "webp", info.Width, info.Height, 0, total, starts.Length / total, false);
        var kind = starts.Length > 1 ? MediaKind.Animation : MediaKind.Still;
        return new ProbedMedium(kind, probe with { Visual = visual, DurationSeconds = total }, visual,
            new FrameTable(starts, starts.Select(_ => true).ToArray()), SourceName);
    }

    public async IAsyncEnumerable<DecodedFrame> DecodeAsync(string path, ProbedMedium medium, DecodeSegment segment, string workingDirectory,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var codec = Open(path);
        var canvasInfo = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKBitmap(canvasInfo);
        var wanted = segment.Frames.ToDictionary(f => f.Position);
        var last = segment.Frames.Max(f => f.Position);
        var frames = codec.FrameInfo;
        for (var index = 0; index <= last; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var required = frames.Length > index ? frames[index].RequiredFrame : -1;
            if (required < 0)
            {
                canvas.Erase(SKColors.Transparent);
            }

            var result = codec.GetPixels(canvasInfo, canvas.GetPixels(), new SKCodecOptions(index, index == 0 || required < 0 ? -1 : index - 1));
            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput) || (result == SKCodecResult.IncompleteInput && ffmpeg.Value.StrictDecoding))
            {
                throw new MediaRejectedException(result == SKCodecResult.IncompleteInput ? FailureReasons.Truncated : FailureReasons.Unreadable,
                    $"Frame {index} of the WebP animation could not be decoded ({result}).");
            }

            if (wanted.TryGetValue(index, out var planned))
            {
                yield return new DecodedFrame(planned.Pts, Encode(canvas), canvas.Width, canvas.Height);
                await Task.Yield();
            }
        }
    }

    /// <summary>
    /// The composed canvas at its own size as a lossless PNG; where the canvas is transparent its stored colour is black,
    /// as in ffmpeg's path (the classifier, like the reference model, ignores alpha).
    /// </summary>
    private byte[] Encode(SKBitmap canvas)
    {
        using var pixels = canvas.PeekPixels();
        using var data = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, ffmpeg.Value.PngCompressionLevel))
            ?? throw new InvalidOperationException("Skia could not encode a composed WebP frame as PNG.");
        return data.ToArray();
    }

    private static SKCodec Open(string path)
    {
        var codec = SKCodec.Create(path, out var result);
        if (codec is null || codec.EncodedFormat != SKEncodedImageFormat.Webp)
        {
            codec?.Dispose();
            throw new MediaRejectedException(result == SKCodecResult.IncompleteInput ? FailureReasons.Truncated : FailureReasons.Unreadable,
                $"The WebP header could not be read ({result}).");
        }

        return codec;
    }
}
