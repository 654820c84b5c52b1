using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Options;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Probes a medium in two sandboxed ffprobe runs — container and streams (parsed with FFMpegCore's ffprobe model), then
/// the packet list of the visual stream (timestamps and keyframe flags, no decoding) — and refuses anything over the
/// configured limits before a single frame is decoded.
/// </summary>
public sealed class MediaProber(FfmpegSandbox sandbox, WebpAnimation webp, IOptions<MediaLimitsOptions> limits, IOptions<ExtractionOptions> extraction)
{
    /// <summary>Shorter media are listed in one pass: a second ffprobe would cost more than it saves.</summary>
    private const double MinimumParallelListingSeconds = 120;

    private static readonly HashSet<string> AnimationCodecs = new(StringComparer.Ordinal) { "gif", "apng", "webp" };

    public async Task<ProbedMedium> ProbeAsync(string path, string workingDirectory, CancellationToken cancellationToken)
    {
        var probe = await ProbeContainerAsync(path, workingDirectory, cancellationToken);
        if (WebpAnimation.Handles(probe))
        {
            return webp.Probe(path, probe);
        }

        var visual = CheckLimits(probe);
        var frames = await ReadFrameTableAsync(path, workingDirectory, probe, visual, cancellationToken);

        var kind = visual.IsAttachedPicture || frames.Count <= 1 ? MediaKind.Still
            : AnimationCodecs.Contains(visual.Codec) ? MediaKind.Animation
            : MediaKind.Video;
        var medium = new ProbedMedium(kind, probe, visual, frames);
        if (medium.DurationSeconds > limits.Value.MaxDurationSeconds)
        {
            throw new MediaRejectedException(FailureReasons.TooLong,
                $"The medium lasts {medium.DurationSeconds:0.#} s; at most {limits.Value.MaxDurationSeconds:0.#} s is accepted.");
        }

        return medium;
    }

    public async Task<MediaProbe> ProbeContainerAsync(string path, string workingDirectory, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "-hide_banner", "-v", "error", "-threads", "1", .. sandbox.InputRestrictions(),
            "-show_format", "-show_streams", "-of", "json", "-i", path,
        ];
        var result = await sandbox.RunAsync("ffprobe", arguments, workingDirectory, sandbox.Options.ProbeTimeout, cancellationToken);
        if (result.TimedOut)
        {
            throw new MediaRejectedException(FailureReasons.ExtractionTimeout, $"ffprobe did not finish within {sandbox.Options.ProbeTimeout.TotalSeconds:0} s.");
        }

        if (result.StoppedEarly)
        {
            throw new MediaRejectedException(FailureReasons.TooManyStreams, "ffprobe's description of the medium is implausibly large.");
        }

        if (result.ExitCode != 0)
        {
            throw ToolDiagnostics.Classify("ffprobe", result.ExitCode, result.Error);
        }

        FFProbeAnalysis? analysis;
        try
        {
            analysis = JsonSerializer.Deserialize<FFProbeAnalysis>(result.Output);
        }
        catch (JsonException e)
        {
            throw new MediaRejectedException(FailureReasons.Unreadable, $"ffprobe's description of the medium could not be parsed: {e.Message}", e);
        }

        if (analysis?.Format is null)
        {
            throw new MediaRejectedException(FailureReasons.Unreadable, $"ffprobe found no container: {ToolDiagnostics.Summarize(result.Error)}");
        }

        var streams = analysis.Streams ?? [];
        var formatDuration = SecondsOrZero(analysis.Format.Duration);
        var visual = streams
            .Where(s => s.CodecType == "video" && (s.Width ?? 0) > 0 && (s.Height ?? 0) > 0)
            .OrderBy(s => s.Disposition?.GetValueOrDefault("attached_pic") == 1 ? 1 : 0)
            .ThenBy(s => s.Index)
            .Select(s => new VisualStream(
                s.Index,
                s.CodecName ?? "unknown",
                s.Width!.Value,
                s.Height!.Value,
                SecondsOrZero(s.StartTime),
                SecondsOrZero(s.Duration),
                Rate(s.AvgFrameRate) is > 0 and var average ? average : Rate(s.FrameRate),
                s.Disposition?.GetValueOrDefault("attached_pic") == 1))
            .FirstOrDefault();

        if (visual is null && ToolDiagnostics.RefusedPictureSize(result.Error) is var (width, height))
        {
            throw new MediaRejectedException(FailureReasons.TooManyPixels,
                $"The picture declares {width}×{height} pixels, more than any decoder accepts; at most {limits.Value.MaxPixels} are accepted.");
        }

        var unsized = visual is null ? streams.FirstOrDefault(s => s.CodecType == "video")?.CodecName : null;
        return new MediaProbe(analysis.Format.FormatName ?? "unknown", formatDuration, Math.Max(analysis.Format.NbStreams, streams.Count), visual, unsized);
    }

    private VisualStream CheckLimits(MediaProbe probe)
    {
        var l = limits.Value;
        if (probe.StreamCount > l.MaxStreams)
        {
            throw new MediaRejectedException(FailureReasons.TooManyStreams, $"The container holds {probe.StreamCount} streams; at most {l.MaxStreams} are accepted.");
        }

        if (probe.Visual is null && probe.UnsizedVideoCodec is { } codec)
        {
            throw new MediaRejectedException(FailureReasons.UnsupportedFormat, $"The video stream ({codec}) has no picture size ffmpeg can decode.");
        }

        var visual = probe.Visual ?? throw new MediaRejectedException(FailureReasons.NoVisualStream,
            probe.StreamCount == 0 ? "The file has no streams at all." : "The file has no video or image stream (audio or data only).");
        if (visual.Pixels > l.MaxPixels)
        {
            throw new MediaRejectedException(FailureReasons.TooManyPixels,
                $"Frames are {visual.Width}×{visual.Height} = {visual.Pixels} pixels; at most {l.MaxPixels} are accepted.");
        }

        // Frames before duration: a million-frame animation is refused for its frames even when it is also long.
        var duration = Math.Max(probe.DurationSeconds, visual.DurationSeconds);
        if (duration * visual.FrameRate > l.MaxSourceFrames)
        {
            throw new MediaRejectedException(FailureReasons.TooManyFrames,
                $"The medium declares about {duration * visual.FrameRate:0} frames ({visual.FrameRate:0.##} fps); at most {l.MaxSourceFrames} are accepted.");
        }

        if (duration > l.MaxDurationSeconds)
        {
            throw new MediaRejectedException(FailureReasons.TooLong, $"The medium lasts {duration:0.#} s; at most {l.MaxDurationSeconds:0.#} s is accepted.");
        }

        return visual;
    }

    /// <summary>
    /// Lists the visual stream's packets (demuxing only): presentation time and keyframe flag of every frame. Long media
    /// in indexed containers are listed in parallel time ranges (each ffprobe seeks to its range through the index); the
    /// ranges overlap by at most one group of pictures, and duplicates are dropped.
    /// </summary>
    private async Task<FrameTable> ReadFrameTableAsync(string path, string workingDirectory, MediaProbe probe, VisualStream visual, CancellationToken cancellationToken)
    {
        var duration = Math.Max(probe.DurationSeconds, visual.DurationSeconds);
        var ranges = probe.SupportsIndexedSeeking && duration >= MinimumParallelListingSeconds ? extraction.Value.SegmentParallelism : 1;
        var listed = 0;
        var listings = await Task.WhenAll(Enumerable.Range(0, ranges).Select(r =>
        {
            var interval = ranges == 1 ? null
                : string.Create(CultureInfo.InvariantCulture, $"{(r == 0 ? "" : (visual.StartSeconds + duration * r / ranges).ToString("0.######", CultureInfo.InvariantCulture))}%{(r == ranges - 1 ? "" : (visual.StartSeconds + duration * (r + 1) / ranges).ToString("0.######", CultureInfo.InvariantCulture))}");
            return ListPacketsAsync(path, workingDirectory, visual, interval, () => Interlocked.Increment(ref listed) <= limits.Value.MaxSourceFrames, cancellationToken);
        }));

        if (listed > limits.Value.MaxSourceFrames)
        {
            throw new MediaRejectedException(FailureReasons.TooManyFrames, $"The medium holds more than {limits.Value.MaxSourceFrames} frames.");
        }

        foreach (var (_, result) in listings)
        {
            if (result.TimedOut)
            {
                throw new MediaRejectedException(FailureReasons.ExtractionTimeout, $"Listing the frames did not finish within {sandbox.Options.ProbeTimeout.TotalSeconds:0} s.");
            }

            if (result.ExitCode != 0)
            {
                throw ToolDiagnostics.Classify("ffprobe", result.ExitCode, result.Error);
            }

            if (ToolDiagnostics.ShowsTruncation(result.Error))
            {
                throw new MediaRejectedException(FailureReasons.Truncated,
                    $"The file ends before its declared content: {ToolDiagnostics.Summarize(result.Error)}");
            }
        }

        // ffprobe prints each time the same way in every range, so equal text is the same packet.
        var frames = listings.SelectMany(l => l.Packets).DistinctBy(p => p.Text).Select(p => (p.Time, p.Key)).ToList();
        if (frames.Count == 0)
        {
            throw new MediaRejectedException(FailureReasons.Unreadable,
                $"The visual stream holds no frames: {ToolDiagnostics.Summarize(listings.SelectMany(l => l.Result.Error).ToList())}");
        }

        // Packets arrive in decode order; B-frames make presentation order differ.
        frames.Sort((a, b) => a.Time.CompareTo(b.Time));
        if (!frames.Any(f => f.Key))
        {
            frames[0] = (frames[0].Time, true);
        }

        return new FrameTable(frames.Select(f => f.Time).ToArray(), frames.Select(f => f.Key).ToArray());
    }

    private async Task<(List<(string Text, double Time, bool Key)> Packets, ToolResult Result)> ListPacketsAsync(
        string path, string workingDirectory, VisualStream visual, string? interval, Func<bool> countOne, CancellationToken cancellationToken)
    {
        var packets = new List<(string Text, double Time, bool Key)>();
        List<string> arguments =
        [
            "-hide_banner", "-v", "error", "-threads", "1", .. sandbox.InputRestrictions(),
            "-select_streams", visual.Index.ToString(CultureInfo.InvariantCulture),
            "-show_entries", "packet=pts_time,dts_time,flags", "-of", "csv=p=0",
        ];
        if (interval is not null)
        {
            arguments.AddRange(["-read_intervals", interval]);
        }

        arguments.AddRange(["-i", path]);
        var result = await sandbox.RunAsync("ffprobe", arguments, workingDirectory, sandbox.Options.ProbeTimeout, cancellationToken, line =>
        {
            var fields = line.Split(',');
            if (fields.Length < 3)
            {
                return true;
            }

            var (text, time) = Seconds(fields[0]) is var pts && !double.IsNaN(pts) ? (fields[0], pts) : (fields[1], Seconds(fields[1]));
            if (double.IsNaN(time))
            {
                return true;
            }

            packets.Add((text, time, fields[2].StartsWith('K')));
            return countOne();
        });
        return (packets, result);
    }

    /// <summary>A time in seconds as ffprobe prints it; NaN for <c>N/A</c> or nothing.</summary>
    private static double Seconds(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) ? seconds : double.NaN;

    private static double SecondsOrZero(string? value) => Seconds(value) is var seconds && double.IsNaN(seconds) ? 0 : seconds;

    private static double Rate(string? fraction)
    {
        var parts = fraction?.Split('/');
        if (parts is not { Length: 2 } ||
            !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var numerator) ||
            !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var denominator) || denominator == 0)
        {
            return 0;
        }

        return numerator / denominator;
    }
}
