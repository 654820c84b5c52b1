using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Moderation.FrameExtractor.Sampling;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// A decoded frame at its own resolution, as a lossless PNG, with its presentation time in the stream's clock: the
/// classifier resizes it exactly as the reference model does.
/// </summary>
public readonly record struct DecodedFrame(double Pts, byte[] Png, int Width, int Height)
{
    /// <summary>A frame from one whole PNG file; its size is read from the IHDR chunk.</summary>
    public static DecodedFrame FromPng(double pts, byte[] png) =>
        new(pts, png, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16)), (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20)));
}

/// <summary>
/// Runs one sandboxed ffmpeg per <see cref="DecodeSegment"/>: seek to its keyframe, decode (keyframes only where the
/// plan allows), keep exactly the planned frames with a <c>select</c> filter and stream them out at their own
/// resolution as lossless PNGs (RGB, as the reference model reads a picture): nothing is scaled before the classifier's
/// exact resize. Frames are yielded as ffmpeg emits them.
/// </summary>
public sealed partial class FrameDecoder(FfmpegSandbox sandbox) : IFrameSource
{
    public const string SourceName = "ffmpeg";

    public string Name => SourceName;

    public async IAsyncEnumerable<DecodedFrame> DecodeAsync(string path, ProbedMedium medium, DecodeSegment segment, string workingDirectory,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = medium.Visual;
        // The filter goes in a file: a plan of thousands of frames would outgrow a single command-line argument.
        var filterScript = Path.Combine(workingDirectory, $"segment-{segment.Number}.filter");
        await File.WriteAllTextAsync(filterScript, Filter(segment), cancellationToken);
        using var run = sandbox.Start("ffmpeg", Arguments(path, stream, segment, filterScript), workingDirectory);
        await using var killOnCancel = cancellationToken.Register(run.Kill);

        // showinfo logs each kept frame's pts on stderr before the frame is encoded: the n-th time pairs with the n-th PNG.
        var times = Channel.CreateUnbounded<double>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var stderr = Task.Run(async () =>
        {
            try
            {
                return await FfmpegSandbox.ReadTailAsync(run.Error, 30, line =>
                {
                    if (ShowInfoPts().Match(line) is { Success: true } match &&
                        double.TryParse(match.Groups["pts"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var pts))
                    {
                        times.Writer.TryWrite(pts);
                    }

                    // showinfo's lines would crowd the diagnostics out of the tail.
                    return line.StartsWith("[Parsed_showinfo", StringComparison.Ordinal);
                });
            }
            finally
            {
                times.Writer.TryComplete();
            }
        }, CancellationToken.None);

        // Rotation metadata may swap the sides; a level-0 PNG is the raw RGB plus a little framing.
        var side = (long)Math.Max(stream.Width, stream.Height);
        var reader = new PngStreamReader(run.Output, side * side * 3 + side * 8 + 1024 * 1024);
        var emitted = 0;
        while (true)
        {
            PngFile? png;
            try
            {
                png = await reader.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                run.Kill();
                if (e is EndOfStreamException && cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                throw new MediaRejectedException(Contracts.V1.FailureReasons.FrameUndecodable, $"ffmpeg produced an unreadable frame stream: {e.Message}", e);
            }

            if (png is null)
            {
                break;
            }

            if (!await times.Reader.WaitToReadAsync(cancellationToken) || !times.Reader.TryRead(out var time))
            {
                break;
            }

            emitted++;
            yield return DecodedFrame.FromPng(time, png.Bytes);
            if (emitted == segment.Frames.Count)
            {
                break;
            }
        }

        await run.Process.WaitForExitAsync(cancellationToken);
        var errors = await stderr;
        cancellationToken.ThrowIfCancellationRequested();
        if (run.Process.ExitCode != 0)
        {
            throw ToolDiagnostics.Classify("ffmpeg", run.Process.ExitCode, errors);
        }
    }

    public IEnumerable<string> Arguments(string path, VisualStream stream, DecodeSegment segment, string filterScript)
    {
        var o = sandbox.Options;
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-threads", Invariant(o.ThreadsPerProcess) };
        if (o.StrictDecoding)
        {
            args.Add("-xerror");
        }

        if (o.HardwareAcceleration != "none")
        {
            args.AddRange(["-hwaccel", o.HardwareAcceleration]);
        }

        args.AddRange(sandbox.InputRestrictions());
        if (segment.KeyframesOnly)
        {
            args.AddRange(["-skip_frame", "nokey"]);
        }

        if (segment.Seeks)
        {
            // Half a millisecond past the keyframe absorbs ffprobe's rounding, so the seek lands on it, not the one before.
            args.AddRange(["-ss", Invariant(segment.SeekTo + 0.0005), "-noaccurate_seek"]);
        }

        args.AddRange(["-copyts", "-i", path, "-map", $"0:{Invariant(stream.Index)}", "-an", "-sn", "-dn"]);
        args.AddRange(["-filter_threads", "1", "-filter_script:v", filterScript, "-fps_mode", "passthrough", "-frames:v", Invariant(segment.Frames.Count)]);
        args.AddRange(["-threads", "1", "-c:v", "png", "-compression_level", Invariant(o.PngCompressionLevel), "-f", "image2pipe", "pipe:1"]);
        return args;
    }

    /// <summary>
    /// Keeps the planned frames by their exact presentation times (times are ffprobe's microsecond-rounded values),
    /// logs them with showinfo and converts them to RGB at their own size for the PNG encoder.
    /// </summary>
    public static string Filter(DecodeSegment segment)
    {
        var select = new StringBuilder();
        AppendSum(select, segment.Frames, 0, segment.Frames.Count);
        return $"select='{select}',showinfo,format=rgb24";
    }

    /// <summary>
    /// One term per planned frame, summed as a balanced tree: ffmpeg's expression parser refuses a flat chain of about
    /// a hundred terms, while a balanced sum of thousands nests only a dozen levels deep.
    /// </summary>
    private static void AppendSum(StringBuilder expression, IReadOnlyList<PlannedFrame> frames, int from, int count)
    {
        if (count == 1)
        {
            expression.Append("lt(abs(t-").Append(Invariant(frames[from].Pts)).Append("),0.0001)");
            return;
        }

        var half = count / 2;
        expression.Append('(');
        AppendSum(expression, frames, from, half);
        expression.Append('+');
        AppendSum(expression, frames, from + half, count - half);
        expression.Append(')');
    }

    private static string Invariant(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\[Parsed_showinfo_\d+ @ [^\]]+\] n:\s*\d+ pts:\s*-?\d+ pts_time:(?<pts>-?[\d.e+-]+)")]
    private static partial Regex ShowInfoPts();
}
