using System.Globalization;
using Moderation.Testing;

namespace Moderation.FrameExtractor.Tests;

/// <summary>The generated media these tests use (SFW ffmpeg test patterns, cached by TestMedia) and a 224×224 model manifest.</summary>
public static class ExtractorMedia
{
    public static Task<string> TenSecondClipAsync() => TestMedia.VideoAsync(10, 320, 240, fps: 10, keyframeSeconds: 2);

    public static Task<string> TwoMinuteClipAsync() => TestMedia.VideoAsync(120, 160, 120, fps: 10, keyframeSeconds: 2);

    /// <summary>The 30-minute case scaled down: full length, 160×120 at 2 fps, a keyframe every 10 s.</summary>
    public static Task<string> ThirtyMinuteScaledAsync() => TestMedia.VideoAsync(1800, 160, 120, fps: 2, keyframeSeconds: 10);

    /// <summary>
    /// A video with a single keyframe, so every planned frame beyond the first needs decoding from the start: slow
    /// enough (seconds) for cancellation and limits to act on while it runs.
    /// </summary>
    public static Task<string> SlowVideoAsync() =>
        TestMedia.GenerateAsync("mp4", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "1200",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "100000", "-keyint_min", "100000", "-sc_threshold", "0");

    /// <summary>MP4 with its index at the front, so a cut copy still opens and only its frames run out.</summary>
    public static Task<string> FastStartClipAsync() =>
        TestMedia.GenerateAsync("mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "20",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "20", "-movflags", "+faststart");

    public static Task<string> ApngAsync() =>
        TestMedia.GenerateAsync("apng", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=4", "-t", "3", "-plays", "0", "-f", "apng");

    /// <summary>An animated WebP (lossy, 3 s at 4 fps, with inter-frame compositing as libwebp's encoder does it).</summary>
    public static Task<string> AnimatedWebpAsync() =>
        TestMedia.GenerateAsync("webp", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=4", "-t", "3", "-c:v", "libwebp_anim", "-loop", "0", "-f", "webp");

    public static Task<string> AudioOnlyAsync() =>
        TestMedia.GenerateAsync("m4a", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050", "-t", "3", "-c:a", "aac", "-f", "mp4");

    public static Task<string> VideoWithAudioAsync() =>
        TestMedia.GenerateAsync("mkv", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac");

    /// <summary>
    /// A 12000×12000 PNG frame in Matroska (a few hundred KB on disk, ~430 MB once decoded): a decompression bomb for
    /// ffmpeg's path (a bare PNG is a still, which never reaches ffmpeg and is capped by pixels instead).
    /// </summary>
    public static Task<string> PixelBombAsync() =>
        TestMedia.GenerateAsync("mkv", "-f", "lavfi", "-i", "color=c=black:size=12000x12000", "-frames:v", "1", "-pix_fmt", "gray", "-c:v", "png");

    public static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
