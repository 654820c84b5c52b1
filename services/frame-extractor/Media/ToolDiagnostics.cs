using System.Text.RegularExpressions;
using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Media;

/// <summary>Turns what ffprobe/ffmpeg said on stderr, and how they ended, into a stable failure reason.</summary>
public static partial class ToolDiagnostics
{
    /// <summary>Demuxers whose whole point is to open other files, hosts or streams named inside the medium.</summary>
    private static readonly HashSet<string> ReferencingFormats = new(StringComparer.OrdinalIgnoreCase)
    {
        "hls", "applehttp", "concat", "dash", "ffconcat", "image2", "sdp", "rtp", "rtsp", "mpjpeg", "hds", "smoothstreaming",
        "tee", "ffmetadata", "subviewer", "webvtt", "mpl2", "pls", "m3u", "sap", "srtp", "libopenmpt", "bluray", "dvd",
    };

    public static MediaRejectedException Classify(string tool, int exitCode, IReadOnlyList<string> stderr)
    {
        var text = string.Join('\n', stderr);
        var tail = Summarize(stderr);
        if (NotWhitelisted().Match(text) is { Success: true } refused)
        {
            var format = refused.Groups["format"].Value;
            return ReferencingFormats.Contains(format.Split(',')[0])
                ? new MediaRejectedException(FailureReasons.ForbiddenReference,
                    $"The medium is a '{format}' document, which references other files or hosts; such references are never followed.")
                : new MediaRejectedException(FailureReasons.UnsupportedFormat, $"Container format '{format}' is not accepted.");
        }

        if (exitCode is SandboxedProcess.CpuLimitExitCode or SandboxedProcess.KilledExitCode || text.Contains("received signal 24", StringComparison.Ordinal))
        {
            return new MediaRejectedException(FailureReasons.ResourceLimit, $"{tool} exceeded its CPU-time limit.");
        }

        if (text.Contains("Cannot allocate memory", StringComparison.OrdinalIgnoreCase) ||
            text.Contains("failed to allocate", StringComparison.OrdinalIgnoreCase) ||
            text.Contains("get_buffer() failed", StringComparison.Ordinal) ||
            text.Contains("failed to map segment", StringComparison.Ordinal) ||
            exitCode is 128 + 6 or 128 + 11)
        {
            return new MediaRejectedException(FailureReasons.ResourceLimit, $"{tool} ran out of its memory limit or crashed (exit {exitCode}): {tail}");
        }

        if (ShowsTruncation(stderr) ||
            text.Contains("End of file", StringComparison.Ordinal) ||
            text.Contains("EOI missing", StringComparison.Ordinal) ||
            text.Contains("truncat", StringComparison.OrdinalIgnoreCase))
        {
            return new MediaRejectedException(FailureReasons.Truncated, $"The file ends before its declared content: {tail}");
        }

        return new MediaRejectedException(FailureReasons.Unreadable, $"{tool} could not read the medium (exit {exitCode}): {tail}");
    }

    /// <summary>True when stderr shows data missing or damaged even though the tool exited normally.</summary>
    public static bool ShowsTruncation(IReadOnlyList<string> stderr) =>
        stderr.Any(l => l.Contains("partial file", StringComparison.Ordinal) || l.Contains("moov atom not found", StringComparison.Ordinal) ||
            l.Contains("File ended prematurely", StringComparison.Ordinal));

    /// <summary>The size a picture declared when ffmpeg refused it as impossibly large, if it said so.</summary>
    public static (long Width, long Height)? RefusedPictureSize(IReadOnlyList<string> stderr) =>
        stderr.Select(l => RefusedSize().Match(l)).FirstOrDefault(m => m.Success) is { } match
            ? (long.Parse(match.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(match.Groups["h"].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;

    /// <summary>
    /// The last few distinct lines, without ffmpeg's pointer noise, short enough for a failure detail. The detail reaches
    /// the submitter, and ffmpeg names its input file, so absolute paths (blob store, scratch space) become <c>&lt;input&gt;</c>.
    /// </summary>
    public static string Summarize(IReadOnlyList<string> stderr)
    {
        var lines = stderr.Select(l => AbsolutePath().Replace(PointerPrefix().Replace(l, "[$1]"), "<input>").Trim()).Where(l => l.Length > 0).Distinct().TakeLast(3);
        var summary = string.Join(" | ", lines);
        return summary.Length > 400 ? summary[..400] : summary.Length == 0 ? "no diagnostic output" : summary;
    }

    [GeneratedRegex(@"\[(?<format>[\w,]+) @ 0x[0-9a-f]+\] Format not on whitelist")]
    private static partial Regex NotWhitelisted();

    [GeneratedRegex(@"Picture size (?<w>\d+)x(?<h>\d+) is invalid")]
    private static partial Regex RefusedSize();

    [GeneratedRegex(@"\[([\w,]+) @ 0x[0-9a-f]+\]")]
    private static partial Regex PointerPrefix();

    [GeneratedRegex(@"(?<=^|[\s'""(=])(?:file:)?/[^\s'"":|,)]*")]
    private static partial Regex AbsolutePath();
}
