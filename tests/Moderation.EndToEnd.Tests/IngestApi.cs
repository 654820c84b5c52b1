using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moderation.EndToEnd.Tests;

/// <summary>A thin client of ingest's public HTTP API, as an upload system would use it.</summary>
public sealed class IngestApi(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    /// <summary>POST /media (multipart); returns the answer's status and JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SubmitAsync(
        string path, string? fileName = null, Action<HttpRequestMessage>? configure = null)
    {
        using var content = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        // filename* (RFC 5987) carries any name, control characters and all, as an uploader's browser may send it.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"",
            FileNameStar = fileName ?? Path.GetFileName(path),
        };
        content.Add(file);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/media") { Content = content };
        configure?.Invoke(request);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : null, response);
    }

    /// <summary>Submits and returns the medium id of an accepted (202) or de-duplicated (200) submission.</summary>
    public async Task<Guid> SubmitAcceptedAsync(string path, string? fileName = null)
    {
        var (status, body, _) = await SubmitAsync(path, fileName);
        Assert.True(status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{status}: {body}");
        return Guid.Parse(body!["mediaId"]!.GetValue<string>());
    }

    public async Task<JsonNode> StatusAsync(Guid mediaId)
    {
        using var response = await Http.GetAsync($"/media/{mediaId}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /media/{mediaId}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Polls GET /media/{id} until the medium is completed or failed.</summary>
    public async Task<JsonNode> WaitForEndAsync(Guid mediaId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode status;
        do
        {
            status = await StatusAsync(mediaId);
            if (State(status) is "completed" or "failed")
            {
                return status;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Medium {mediaId} did not end within {timeout}: {status.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    public static string State(JsonNode status) => status["state"]!.GetValue<string>();

    public void Dispose() => Http.Dispose();
}
