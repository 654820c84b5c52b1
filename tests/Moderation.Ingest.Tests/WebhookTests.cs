using System.Net;
using System.Text.Json;
using Moderation.Contracts.V1;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

public sealed class WebhookTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Signed_hook_fetches_the_file_and_publishes_it_with_the_wiki_identity()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(96, 64));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(jpeg));
        var body = Body(url, $"File:Sunset_{Guid.NewGuid():N}.jpg/123456", priority: "urgent");

        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(body));
        var accepted = await Http.AssertAcceptedAsync(response);

        var (message, priority) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
        Assert.Equal(IngestFixture.WebhookClient, message.ClientId);
        Assert.Equal(accepted.ExternalId, message.ExternalId);
        Assert.Equal(url.ToString(), message.SourceUrl);
        Assert.Equal("https://wiki.example/callback", message.CallbackUrl);
        Assert.Equal(SubmissionPriority.Urgent, message.Priority);
        Assert.Equal(9, priority);
        Assert.Equal("image/jpeg", message.ContentType);
        Assert.NotNull(message.BlobKey);
        Assert.Equal(jpeg.Length, new FileInfo(Path.Combine(ingest.BlobRoot, message.BlobKey)).Length);
    }

    [Fact]
    public async Task Previous_secret_still_signs_during_rotation()
    {
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(await File.ReadAllBytesAsync(await TestMedia.PngAsync("olive", 40, 30))));
        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(url), secret: IngestFixture.PreviousWebhookSecret));
        await Http.AssertAcceptedAsync(response);
    }

    [Fact]
    public async Task Missing_signature_is_401()
    {
        var request = IngestFixture.SignedHook(Body(new Uri("http://127.0.0.1/x")));
        request.Headers.Remove(WebhookAuthenticationHandler.SignatureHeader);
        using var response = await ingest.Client().SendAsync(request);
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.MissingSignature);
    }

    [Fact]
    public async Task Api_key_does_not_replace_the_signature()
    {
        using var response = await ingest.Client(ingest.SubmitKey).PostAsync("/hooks/upload",
            new StringContent(Body(new Uri("http://127.0.0.1/x")), System.Text.Encoding.UTF8, "application/json"));
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.MissingSignature);
    }

    [Fact]
    public async Task Signature_with_the_wrong_secret_is_401_invalid_signature()
    {
        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(new Uri("http://127.0.0.1/x")), secret: "some-other-secret-of-sufficient-length-000"));
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.InvalidSignature);
    }

    [Fact]
    public async Task Tampered_body_is_401_invalid_signature()
    {
        var request = IngestFixture.SignedHook(Body(new Uri("http://127.0.0.1/a")));
        request.Content = new StringContent(Body(new Uri("http://127.0.0.1/b")), System.Text.Encoding.UTF8, "application/json");
        using var response = await ingest.Client().SendAsync(request);
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.InvalidSignature);
    }

    // The window is 300 s; Unix seconds truncate up to 1 s and the request takes time, so probe a few seconds past it.
    [Theory]
    [InlineData(-305)]
    [InlineData(+305)]
    public async Task Timestamp_outside_the_replay_window_is_401_expired(int offsetSeconds)
    {
        var stale = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds;
        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(new Uri("http://127.0.0.1/x")), stale));
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.ExpiredSignature);
    }

    [Fact]
    public async Task Replayed_request_is_refused_and_not_submitted_twice()
    {
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(await File.ReadAllBytesAsync(await TestMedia.PngAsync("teal", 48, 32))));
        var body = Body(url);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var first = await ingest.Client().SendAsync(IngestFixture.SignedHook(body, timestamp));
        var accepted = await Http.AssertAcceptedAsync(first);
        var fetches = ingest.MediaServer.Requests.Count;

        using var replay = await ingest.Client().SendAsync(IngestFixture.SignedHook(body, timestamp));
        await Http.AssertProblemAsync(replay, HttpStatusCode.Unauthorized, Problems.ReplayedWebhook);
        Assert.Equal(fetches, ingest.MediaServer.Requests.Count);
        await Task.Delay(500);
        Assert.Single(ingest.Pipeline.State.SubmittedFor(accepted.MediaId));
    }

    [Fact]
    public async Task Redelivery_with_a_fresh_signature_returns_the_first_answer_by_external_id()
    {
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(await File.ReadAllBytesAsync(await TestMedia.PngAsync("navy", 50, 30))));
        var body = Body(url, $"File:Retry_{Guid.NewGuid():N}.png/1");
        using var first = await ingest.Client().SendAsync(IngestFixture.SignedHook(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1));
        var accepted = await Http.AssertAcceptedAsync(first);

        using var again = await ingest.Client().SendAsync(IngestFixture.SignedHook(body));
        var repeated = await Http.AssertAcceptedAsync(again);
        Assert.Equal(accepted.MediaId, repeated.MediaId);
        await Task.Delay(500);
        Assert.Single(ingest.Pipeline.State.SubmittedFor(accepted.MediaId));
    }

    [Fact]
    public async Task Unknown_client_is_401()
    {
        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(new Uri("http://127.0.0.1/x")), client: "stranger"));
        await Http.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Problems.UnknownWebhookClient);
    }

    [Fact]
    public async Task Hook_url_to_a_private_address_is_refused_without_connecting()
    {
        var attempts = ingest.Connector.Attempts.Count;
        using var response = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(new Uri("http://10.20.30.40/upload/a.jpg"))));
        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problems.ForbiddenUrl);
        Assert.Equal(attempts, ingest.Connector.Attempts.Count);
    }

    private static string Body(Uri url, string? externalId = null, string priority = "normal") => JsonSerializer.Serialize(new
    {
        url = url.ToString(),
        externalId,
        callbackUrl = "https://wiki.example/callback",
        priority,
        deliveryId = Guid.NewGuid().ToString(),
    });
}
