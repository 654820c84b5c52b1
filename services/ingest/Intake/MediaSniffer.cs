using System.Buffers.Binary;
using System.Text;
using Moderation.Contracts.V1;

namespace Moderation.Ingest.Intake;

/// <summary>A format on the allow-list: what the frame extractor can decode into frames.</summary>
public sealed record MediaFormat(string Name, string ContentType, MediaKind Kind);

/// <summary>What the first bytes of a file say it is: an allowed <see cref="Format"/>, or what it was recognised as.</summary>
public sealed record SniffResult(MediaFormat? Format, string Detected)
{
    public bool Allowed => Format is not null;
}

/// <summary>
/// Identifies media by their magic bytes only — never by file name or declared type, which the uploader controls.
/// Anything not positively recognised as an allowed image, animation or video is refused; playlists (HLS/DASH) are
/// refused explicitly because a decoder would fetch the URLs inside them.
/// </summary>
public static class MediaSniffer
{
    /// <summary>Enough to see the PNG chunks before the first image data and the first Ogg/EBML headers.</summary>
    public const int SniffLength = 4096;

    public static readonly MediaFormat Jpeg = new("jpeg", "image/jpeg", MediaKind.Still);
    public static readonly MediaFormat Png = new("png", "image/png", MediaKind.Still);
    public static readonly MediaFormat Apng = new("apng", "image/apng", MediaKind.Animation);
    public static readonly MediaFormat Gif = new("gif", "image/gif", MediaKind.Animation);
    public static readonly MediaFormat WebP = new("webp", "image/webp", MediaKind.Still);
    public static readonly MediaFormat AnimatedWebP = new("webp-animated", "image/webp", MediaKind.Animation);
    public static readonly MediaFormat Bmp = new("bmp", "image/bmp", MediaKind.Still);
    public static readonly MediaFormat Mp4 = new("mp4", "video/mp4", MediaKind.Video);
    public static readonly MediaFormat QuickTime = new("quicktime", "video/quicktime", MediaKind.Video);
    public static readonly MediaFormat ThreeGpp = new("3gpp", "video/3gpp", MediaKind.Video);
    public static readonly MediaFormat WebM = new("webm", "video/webm", MediaKind.Video);
    public static readonly MediaFormat Matroska = new("matroska", "video/x-matroska", MediaKind.Video);
    public static readonly MediaFormat Avi = new("avi", "video/x-msvideo", MediaKind.Video);
    public static readonly MediaFormat MpegTs = new("mpeg-ts", "video/mp2t", MediaKind.Video);
    public static readonly MediaFormat OggTheora = new("ogg-theora", "video/ogg", MediaKind.Video);

    public static IReadOnlyList<MediaFormat> AllowList { get; } =
        [Jpeg, Png, Apng, Gif, WebP, AnimatedWebP, Bmp, Mp4, QuickTime, ThreeGpp, WebM, Matroska, Avi, MpegTs, OggTheora];

    private static readonly HashSet<string> VideoBrands = new(StringComparer.Ordinal)
    {
        "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VH", "M4VP", "mmp4", "MSNV",
        "dash", "f4v ", "NDAS", "XAVC",
    };

    private static readonly HashSet<string> QuickTimeAtoms = new(StringComparer.Ordinal) { "moov", "mdat", "wide", "free", "skip", "pnot" };

    public static SniffResult Sniff(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return new SniffResult(null, "empty");
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return new SniffResult(Jpeg, Jpeg.Name);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return SniffPng(head);
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return new SniffResult(Gif, Gif.Name);
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8))
        {
            var form = head.Slice(8, 4);
            if (form.SequenceEqual("WEBP"u8))
            {
                return SniffWebP(head);
            }

            if (form.SequenceEqual("AVI "u8))
            {
                return new SniffResult(Avi, Avi.Name);
            }

            return new SniffResult(null, "riff-" + Ascii(form).Trim().ToLowerInvariant());
        }

        if (IsBmp(head))
        {
            return new SniffResult(Bmp, Bmp.Name);
        }

        if (head.Length >= 12 && head.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return SniffIsoMedia(head);
        }

        if (head.Length >= 8 && QuickTimeAtoms.Contains(Ascii(head.Slice(4, 4))))
        {
            return new SniffResult(QuickTime, QuickTime.Name);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return SniffEbml(head);
        }

        if (head.StartsWith("OggS"u8))
        {
            return head.IndexOf((ReadOnlySpan<byte>)[0x80, .. "theora"u8]) >= 0
                ? new SniffResult(OggTheora, OggTheora.Name)
                : new SniffResult(null, "ogg-without-video");
        }

        if (IsMpegTs(head))
        {
            return new SniffResult(MpegTs, MpegTs.Name);
        }

        return new SniffResult(null, DescribeRefused(head));
    }

    /// <summary>An APNG is a PNG with an <c>acTL</c> chunk before its first <c>IDAT</c>.</summary>
    private static SniffResult SniffPng(ReadOnlySpan<byte> head)
    {
        var offset = 8;
        while (offset + 8 <= head.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(head[offset..]);
            var type = head.Slice(offset + 4, 4);
            if (type.SequenceEqual("acTL"u8))
            {
                return new SniffResult(Apng, Apng.Name);
            }

            if (type.SequenceEqual("IDAT"u8) || length > int.MaxValue - 12)
            {
                break;
            }

            offset += 12 + (int)length;
        }

        return new SniffResult(Png, Png.Name);
    }

    /// <summary>Extended WebP (<c>VP8X</c>) carries an animation flag; simple WebP is always a still.</summary>
    private static SniffResult SniffWebP(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 21 && head.Slice(12, 4).SequenceEqual("VP8X"u8) && (head[20] & 0x02) != 0)
        {
            return new SniffResult(AnimatedWebP, AnimatedWebP.Name);
        }

        return new SniffResult(WebP, WebP.Name);
    }

    private static SniffResult SniffIsoMedia(ReadOnlySpan<byte> head)
    {
        var brand = Ascii(head.Slice(8, 4));
        if (brand is "qt  ")
        {
            return new SniffResult(QuickTime, QuickTime.Name);
        }

        if (brand.StartsWith("3g", StringComparison.Ordinal))
        {
            return new SniffResult(ThreeGpp, ThreeGpp.Name);
        }

        if (VideoBrands.Contains(brand))
        {
            return new SniffResult(Mp4, Mp4.Name);
        }

        var detected = brand switch
        {
            "avif" or "avis" => "avif",
            "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "mif1" or "msf1" => "heif",
            "M4A " or "M4B " or "M4P " => "audio-mp4",
            "crx " => "camera-raw",
            _ => "iso-media-" + brand.Trim().ToLowerInvariant(),
        };
        return new SniffResult(null, detected);
    }

    /// <summary>WebM and Matroska share the EBML header; the DocType element (0x4282) tells them apart.</summary>
    private static SniffResult SniffEbml(ReadOnlySpan<byte> head)
    {
        var docType = head.IndexOf([(byte)0x42, (byte)0x82]);
        if (docType >= 0 && docType + 3 < head.Length)
        {
            var rest = head[(docType + 3)..];
            if (rest.StartsWith("webm"u8))
            {
                return new SniffResult(WebM, WebM.Name);
            }

            if (rest.StartsWith("matroska"u8))
            {
                return new SniffResult(Matroska, Matroska.Name);
            }
        }

        return new SniffResult(null, "ebml-unknown");
    }

    private static bool IsBmp(ReadOnlySpan<byte> head)
    {
        if (head.Length < 18 || !head.StartsWith("BM"u8))
        {
            return false;
        }

        var reserved = BinaryPrimitives.ReadUInt32LittleEndian(head[6..]);
        var dibHeaderSize = BinaryPrimitives.ReadUInt32LittleEndian(head[14..]);
        return reserved == 0 && dibHeaderSize is 12 or 40 or 52 or 56 or 64 or 108 or 124;
    }

    /// <summary>A transport stream has a 0x47 sync byte every 188 bytes; three in a row rules out chance.</summary>
    private static bool IsMpegTs(ReadOnlySpan<byte> head) =>
        head.Length >= 188 * 2 + 1 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47;

    private static string DescribeRefused(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 512)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith("#EXTM3U", StringComparison.Ordinal))
        {
            return "hls-playlist";
        }

        if (text.Contains("<MPD", StringComparison.Ordinal))
        {
            return "dash-manifest";
        }

        if (text.StartsWith("<svg", StringComparison.OrdinalIgnoreCase) || (text.StartsWith("<?xml", StringComparison.Ordinal) && text.Contains("<svg", StringComparison.Ordinal)))
        {
            return "svg";
        }

        if (text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            return "html";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[(byte)'P', (byte)'K', 3, 4]))
        {
            return "zip";
        }

        if (head.StartsWith("%PDF"u8))
        {
            return "pdf";
        }

        if (head.StartsWith("ID3"u8) || (head.Length > 1 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
        {
            return "audio";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return "gzip";
        }

        return head[..Math.Min(head.Length, 512)].IndexOfAnyInRange((byte)0, (byte)8) < 0 ? "text" : "unknown";
    }

    private static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);
}
