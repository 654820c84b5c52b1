using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Moderation.FrameExtractor.Sampling;

namespace Moderation.FrameExtractor.Media;

/// <summary>A decoded frame, scaled and JPEG-encoded by ffmpeg, with its presentation time in the stream's clock.</summary>
public readonly record struct DecodedFrame(double Pts, byte[] Jpeg);

/// <summary>
/// Runs one sandboxed ffmpeg per <see cref="DecodeSegment"/>: seek to its keyframe, decode (keyframes only where the
/// plan allows), keep exactly the planned frames with a <c>select</c> filter, scale them to the model's input size and
/// stream them out as JPEGs — full-resolution frames never leave ffmpeg. Frames are yielded as ffmpeg emits them.
/// </summary>
public sealed partial class FrameDecoder(FfmpegSandbox sandbox, FrameSize size) : IFrameSource
{
    public const string SourceName = "ffmpeg";

    private const int MaxJpegBytes = 4 * 1024 * 1024;

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

        // showinfo logs each kept frame's pts on stderr before the frame is encoded: the n-th time pairs with the n-th JPEG.
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

        var reader = new JpegStreamReader(run.Output, MaxJpegBytes);
        var emitted = 0;
        while (true)
        {
            byte[]? jpeg;
            try
            {
                jpeg = await reader.ReadAsync(cancellationToken);
            }
            catch (InvalidDataException e)
            {
                run.Kill();
                throw new MediaRejectedException(Contracts.V1.FailureReasons.FrameUndecodable, $"ffmpeg produced an unreadable frame stream: {e.Message}", e);
            }

            if (jpeg is null)
            {
                break;
            }

            if (!await times.Reader.WaitToReadAsync(cancellationToken) || !times.Reader.TryRead(out var time))
            {
                break;
            }

            emitted++;
            yield return new DecodedFrame(time, jpeg);
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
        args.AddRange(["-threads", "1", "-c:v", "mjpeg", "-q:v", Invariant(o.JpegQuality), "-f", "image2pipe", "pipe:1"]);
        return args;
    }

    /// <summary>
    /// Keeps the planned frames by their exact presentation times (times are ffprobe's microsecond-rounded values),
    /// logs them with showinfo, scales to the model's input size and converts to full-range YUV for the JPEG encoder.
    /// </summary>
    public string Filter(DecodeSegment segment)
    {
        var select = new StringBuilder();
        AppendSum(select, segment.Frames, 0, segment.Frames.Count);
        return $"select='{select}',showinfo,scale={size.Width}:{size.Height}:flags=bilinear,setsar=1,format=yuvj420p";
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
