using System.ComponentModel.DataAnnotations;

namespace Moderation.FrameExtractor.Options;

/// <summary>
/// Section <c>Ffmpeg</c>: the binaries and the sandbox every ffprobe/ffmpeg run gets: demuxer and protocol whitelists,
/// decoder threads, wall-clock and CPU time, address space.
/// </summary>
public sealed class FfmpegOptions
{
    public const string Section = "Ffmpeg";

    /// <summary>
    /// Demuxers ffprobe/ffmpeg may use. Anything that can reference other files or hosts (hls, dash, concat, image2
    /// patterns, sdp, rtp, tee…) is deliberately absent, so a playlist uploaded as a medium is refused before it opens anything.
    /// </summary>
    public static readonly string[] DefaultFormats =
    [
        "mov", "matroska", "avi", "flv", "mpegts", "mpeg", "asf", "ogg", "ivf",
        "gif", "apng", "webp_pipe", "jpeg_pipe", "png_pipe", "bmp_pipe", "tiff_pipe", "jpegxl_pipe", "j2k_pipe",
    ];

    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>Demuxer names allowed for input (ffmpeg's <c>-format_whitelist</c>); empty means <see cref="DefaultFormats"/>.</summary>
    public List<string> AllowedFormats { get; set; } = [];

    /// <summary>Decoder threads of one ffmpeg process; segments run in parallel on top of this.</summary>
    [Range(1, 64)]
    public int ThreadsPerProcess { get; set; } = 1;

    /// <summary>Address-space limit of each ffmpeg/ffprobe process (RLIMIT_AS via prlimit); 0 disables it (required for CUDA).</summary>
    [Range(0, 1024 * 1024)]
    public int MemoryLimitMegabytes { get; set; } = 1024;

    /// <summary>CPU seconds one ffmpeg/ffprobe process may use (RLIMIT_CPU) before the kernel stops it.</summary>
    [Range(1, 24 * 3600)]
    public int CpuSecondsPerProcess { get; set; } = 600;

    /// <summary>Wall-clock limit of one ffprobe run.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The prlimit binary that applies the limits; empty runs ffmpeg without rlimits (not recommended).</summary>
    public string PrlimitPath { get; set; } = "prlimit";

    /// <summary>
    /// ffmpeg's <c>-hwaccel</c> for decoding: <c>none</c>, <c>auto</c> (use a hardware decoder when one initialises,
    /// else software) or a method such as <c>cuda</c>, <c>vaapi</c>, <c>qsv</c>.
    /// </summary>
    [RegularExpression("^[a-z0-9_]+$")]
    public string HardwareAcceleration { get; set; } = "none";

    /// <summary>
    /// Treat any decoding error (bad CRC, truncated picture, broken bitstream) as fatal for the medium instead of letting
    /// ffmpeg conceal it: content that cannot be decoded faithfully cannot be judged faithfully.
    /// </summary>
    public bool StrictDecoding { get; set; } = true;

    /// <summary>
    /// zlib level of the lossless PNG frames (0 stores, 9 squeezes hardest): frames are sent at their own resolution and
    /// kept in the blob store, so this trades the extractor's CPU against bytes stored and sent; pixels never change.
    /// </summary>
    [Range(0, 9)]
    public int PngCompressionLevel { get; set; } = 1;

    public IReadOnlyList<string> EffectiveFormats => AllowedFormats.Count > 0 ? AllowedFormats : DefaultFormats;
}
