using System.Buffers.Binary;
using System.Text;
using Moderation.Contracts.V1;
using Moderation.Ingest.Intake;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>The allow-list, decided by content alone: real files from ffmpeg and Debian, and minimal headers per container.</summary>
public sealed class MediaSnifferTests
{
    public static TheoryData<string, string> GeneratedFiles => new()
    {
        { "jpg", "jpeg" },
        { "png", "png" },
        { "apng", "apng" },
        { "gif", "gif" },
        { "webp", "webp" },
        { "bmp", "bmp" },
        { "mp4", "mp4" },
        { "mov", "quicktime" },
        { "webm", "webm" },
        { "mkv", "matroska" },
        { "avi", "avi" },
        { "ts", "mpeg-ts" },
        { "ogv", "ogg-theora" },
    };

    [Theory]
    [MemberData(nameof(GeneratedFiles))]
    public async Task Files_written_by_ffmpeg_are_recognised(string extension, string expected)
    {
        var frames = extension is "jpg" or "png" or "webp" or "bmp" ? new[] { "-frames:v", "1" } : ["-t", "1"];
        string[] codec = extension switch
        {
            "apng" => ["-plays", "0", "-f", "apng"],
            "webm" => ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "200k"],
            "ogv" => ["-c:v", "libtheora"],
            "mkv" or "mp4" or "mov" or "ts" => ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
            "avi" => ["-c:v", "mpeg4"],
            _ => [],
        };
        var path = await TestMedia.GenerateAsync(extension, ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", .. frames, .. codec]);

        var result = MediaSniffer.Sniff(Head(await File.ReadAllBytesAsync(path)));

        Assert.True(result.Allowed, $"{extension} was sniffed as {result.Detected}");
        Assert.Equal(expected, result.Format!.Name);
    }

    [Fact]
    public async Task Animated_webp_is_an_animation()
    {
        var path = await TestMedia.GenerateAsync("webp", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-t", "1", "-loop", "0");
        var result = MediaSniffer.Sniff(Head(await File.ReadAllBytesAsync(path)));
        Assert.Equal(MediaKind.Animation, result.Format?.Kind);
    }

    [Fact]
    public void Debian_background_photos_are_allowed()
    {
        foreach (var photo in TestMedia.Photos(3))
        {
            Assert.True(MediaSniffer.Sniff(Head(File.ReadAllBytes(photo))).Allowed, photo);
        }
    }

    [Theory]
    [InlineData("#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nhttp://169.254.169.254/latest\n", "hls-playlist")]
    [InlineData("<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"></MPD>", "dash-manifest")]
    [InlineData("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "svg")]
    [InlineData("<!DOCTYPE html><html><body>hi</body></html>", "html")]
    [InlineData("just some words, not a picture", "text")]
    [InlineData("%PDF-1.7\n", "pdf")]
    public void Text_formats_are_refused_with_what_they_are(string content, string detected)
    {
        var result = MediaSniffer.Sniff(Encoding.UTF8.GetBytes(content));
        Assert.False(result.Allowed);
        Assert.Equal(detected, result.Detected);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00 }, "zip")]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, "gzip")]
    [InlineData(new byte[] { 0x49, 0x44, 0x33, 0x04, 0x00 }, "audio")]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04 }, "unknown")]
    public void Binary_formats_are_refused_with_what_they_are(byte[] content, string detected)
    {
        var result = MediaSniffer.Sniff(content);
        Assert.False(result.Allowed);
        Assert.Equal(detected, result.Detected);
    }

    [Theory]
    [InlineData("heic", "heif")]
    [InlineData("avif", "avif")]
    [InlineData("M4A ", "audio-mp4")]
    [InlineData("isom", null)]
    [InlineData("qt  ", null)]
    [InlineData("3gp5", null)]
    public void Iso_media_brands_decide(string brand, string? refusedAs)
    {
        var head = new byte[32];
        BinaryPrimitives.WriteUInt32BigEndian(head, 24);
        Encoding.ASCII.GetBytes("ftyp" + brand).CopyTo(head, 4);
        var result = MediaSniffer.Sniff(head);
        Assert.Equal(refusedAs is null, result.Allowed);
        if (refusedAs is not null)
        {
            Assert.Equal(refusedAs, result.Detected);
        }
    }

    [Fact]
    public void Ogg_without_theora_is_not_video()
    {
        var head = Encoding.ASCII.GetBytes("OggS\0\x02" + new string('\0', 22) + "\x01vorbis");
        Assert.Equal("ogg-without-video", MediaSniffer.Sniff(head).Detected);
    }

    [Fact]
    public void Empty_content_is_empty()
    {
        Assert.Equal("empty", MediaSniffer.Sniff([]).Detected);
    }

    private static byte[] Head(byte[] file) => file[..Math.Min(file.Length, MediaSniffer.SniffLength)];
}
