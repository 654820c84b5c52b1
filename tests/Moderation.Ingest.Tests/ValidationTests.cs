using System.Net;
using System.Text;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>Small size limits so the too-large paths run quickly.</summary>
public sealed class SmallLimitsIngestFixture : IngestFixture
{
    public const int MaxStillBytes = 200_000;

    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Intake:MaxStillBytes"] = MaxStillBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Intake:MaxAnimationBytes"] = "300000",
        ["Intake:MaxVideoBytes"] = "500000",
    };
}

public sealed class ValidationTests(SmallLimitsIngestFixture ingest) : IClassFixture<SmallLimitsIngestFixture>
{
    [Theory]
    [InlineData("#EXTM3U\n#EXTINF:10,\nhttp://169.254.169.254/segment.ts\n", "hls-playlist")]
    [InlineData("hello, this is plain text", "text")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "svg")]
    public async Task Non_media_is_415_even_when_declared_as_an_image(string content, string detected)
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes(Encoding.UTF8.GetBytes(content), "image/jpeg"));
        var problem = await Http.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaType);
        Assert.Equal(detected, problem.GetProperty("detected").GetString());
        Assert.DoesNotContain(ingest.StoredBlobs(), b => b.StartsWith("incoming/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zip_named_like_a_picture_is_415()
    {
        using var form = new MultipartFormDataContent();
        form.Add(Http.Bytes([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00], "image/png"), "file", "holiday.png");
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", form);
        var problem = await Http.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problems.UnsupportedMediaType);
        Assert.Equal("zip", problem.GetProperty("detected").GetString());
    }

    [Fact]
    public async Task Real_picture_with_a_misleading_name_and_type_is_accepted_as_what_it_is()
    {
        using var form = new MultipartFormDataContent();
        form.Add(Http.Bytes(await File.ReadAllBytesAsync(await TestMedia.PngAsync("maroon", 30, 20)), "text/plain"), "file", "notes.txt");
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", form);
        var accepted = await Http.AssertAcceptedAsync(response);
        Assert.Equal("image/png", accepted.ContentType);
    }

    [Fact]
    public async Task Empty_upload_is_400_empty_media()
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes([]));
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.EmptyMedia);
    }

    [Fact]
    public async Task Still_over_its_limit_is_413_and_leaves_nothing_stored()
    {
        var oversized = new byte[SmallLimitsIngestFixture.MaxStillBytes + 1];
        (await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48))).CopyTo(oversized, 0);
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", new UnknownLengthContent(oversized));
        var problem = await Http.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, Problems.MediaTooLarge);
        Assert.Equal(SmallLimitsIngestFixture.MaxStillBytes, problem.GetProperty("maxBytes").GetInt64());
        Assert.DoesNotContain(ingest.StoredBlobs(), b => b.StartsWith("incoming/", StringComparison.Ordinal) || b.Contains(".partial-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Declared_length_over_the_limit_is_refused_before_streaming()
    {
        // The body declares more than the limit but sends only its first bytes and then waits: the answer can only come
        // from the declared length, since the streaming cap would wait for bytes that never come.
        var start = new byte[MediaSniffer.SniffLength];
        (await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48))).AsSpan(0, 600).CopyTo(start);
        using var content = new StalledContent(start, SmallLimitsIngestFixture.MaxStillBytes + 10);

        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", content).WaitAsync(TimeSpan.FromSeconds(30));

        await Http.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, Problems.MediaTooLarge);
        Assert.False(content.Finished, "the body was read to its end");
    }

    /// <summary>A body of a declared length that sends its first bytes, then stalls until disposed.</summary>
    private sealed class StalledContent(byte[] start, long declaredLength) : HttpContent
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Finished { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(start);
            await stream.FlushAsync();
            await released.Task;
            Finished = true;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = declaredLength;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            released.TrySetResult();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task Each_kind_has_its_own_limit()
    {
        // 250 kB: over the still limit, under the animation limit.
        var gif = new byte[250_000];
        "GIF89a"u8.CopyTo(gif);
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media", Http.Bytes(gif));
        var accepted = await Http.AssertAcceptedAsync(response);
        Assert.Equal("image/gif", accepted.ContentType);
    }

    [Theory]
    [InlineData("priority=soon", "priority")]
    [InlineData("priority=7", "priority")]
    [InlineData("callbackUrl=ftp://example.org/cb", "callbackUrl")]
    [InlineData("callbackUrl=/relative", "callbackUrl")]
    [InlineData("policy=Not%20A%20Policy", "policy")]
    public async Task Invalid_metadata_is_400_naming_the_field(string query, string field)
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync($"/media?{query}", Http.Bytes(await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48))));
        var problem = await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.InvalidRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Callback_url_with_credentials_is_400_and_the_credentials_are_never_echoed()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48));
        var callback = Uri.EscapeDataString("https://hook-user:s3cret-callback-pass@receiver.example/hook");
        using var upload = await ingest.Client(ingest.SubmitKey).PostAsync($"/media?callbackUrl={callback}", Http.Bytes(jpeg));
        var problem = await Http.AssertProblemAsync(upload, HttpStatusCode.BadRequest, Problems.InvalidRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("callbackUrl", out _), problem.ToString());
        Assert.DoesNotContain("s3cret-callback-pass", problem.ToString(), StringComparison.Ordinal);

        using var byUrl = await ingest.Client(ingest.SubmitKey).PostAsync("/media:by-url", new StringContent(
            "{\"url\":\"https://media.example/a.jpg\",\"callbackUrl\":\"http://user:s3cret-callback-pass@receiver.example/hook\"}", Encoding.UTF8, "application/json"));
        var refused = await Http.AssertProblemAsync(byUrl, HttpStatusCode.BadRequest, Problems.InvalidRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("callbackUrl", out _), refused.ToString());
        Assert.Empty(ingest.Connector.Attempts);
    }

    [Fact]
    public async Task By_url_with_a_non_http_scheme_is_400()
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media:by-url",
            new StringContent("{\"url\":\"file:///etc/passwd\"}", Encoding.UTF8, "application/json"));
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.InvalidRequest);
    }

    [Fact]
    public async Task Malformed_json_is_a_problem_too()
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/media:by-url", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A body without Content-Length (chunked), so the limit is enforced while streaming rather than up front.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
