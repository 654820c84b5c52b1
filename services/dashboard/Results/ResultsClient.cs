using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moderation.Dashboard.Results;

/// <summary>The results API said no, or could not be reached. <see cref="Status"/> is the HTTP status (503 when unreachable).</summary>
public sealed class ResultsApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// Typed client of the results service. Requests carry the signed-in reviewer's own API key (added by
/// <see cref="ApiKeyForwardingHandler"/>), so the results service authorises and records every action as that reviewer.
/// </summary>
public sealed class ResultsClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Who holds <paramref name="apiKey"/>; null when the results service does not accept it.</summary>
    public async Task<CallerIdentity?> IdentifyAsync(string apiKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "me");
        request.Headers.Add(ApiKeyForwardingHandler.HeaderName, apiKey);
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<CallerIdentity>(Json, cancellationToken);
    }

    /// <summary>Claims the reviewer's next task of the queue (or the one they already hold); null when the queue is empty.</summary>
    public async Task<ClaimedReview?> ClaimNextAsync(QueueFilter queue, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "reviews/next?" + queue.Query), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        return await ReadAsync<ClaimedReview>(response, cancellationToken);
    }

    /// <summary>Claims up to <paramref name="count"/> tasks of the queue (those the reviewer holds first).</summary>
    public Task<List<ClaimedReview>> ClaimBatchAsync(int count, QueueFilter queue, CancellationToken cancellationToken) =>
        GetAsync<List<ClaimedReview>>($"reviews/batch?count={count}&{queue.Query}", cancellationToken);

    public Task<List<ReviewQueueView>> QueuesAsync(CancellationToken cancellationToken) => GetAsync<List<ReviewQueueView>>("reviews/queues", cancellationToken);

    public Task<FeedbackView> DecideAsync(Guid taskId, ReviewDecisionRequest decision, CancellationToken cancellationToken) =>
        PostAsync<FeedbackView>($"reviews/{taskId}/decision", decision, cancellationToken);

    /// <summary>Records that the reviewer looked at the task's media (<c>frame</c>, <c>original</c> or <c>player</c>); the answer is their exposure today.</summary>
    public Task<ExposureDay> RevealAsync(Guid taskId, string kind, int? frameIndex, CancellationToken cancellationToken) =>
        PostAsync<ExposureDay>($"reviews/{taskId}/reveals", new { kind, frameIndex }, cancellationToken);

    public Task<ExposureHistory> ExposureAsync(int days, CancellationToken cancellationToken) =>
        GetAsync<ExposureHistory>($"reviews/exposure?days={days}", cancellationToken);

    public Task SkipAsync(Guid taskId, CancellationToken cancellationToken) => PostAsync($"reviews/{taskId}/skip", cancellationToken);

    public Task ReleaseAsync(Guid taskId, CancellationToken cancellationToken) => PostAsync($"reviews/{taskId}/release", cancellationToken);

    /// <summary>Takes back the reviewer's decision on the task; the task is theirs again, claimed afresh.</summary>
    public Task UndoAsync(Guid taskId, CancellationToken cancellationToken) => PostAsync($"reviews/{taskId}/undo", cancellationToken);

    /// <summary>Takes back the reviewer's skip; the task is claimed by them again unless someone else holds it.</summary>
    public Task UnskipAsync(Guid taskId, CancellationToken cancellationToken) => PostAsync($"reviews/{taskId}/unskip", cancellationToken);

    /// <summary>The reviewer's decisions and skips still within the undo window, newest first.</summary>
    public Task<List<RecentReview>> RecentAsync(CancellationToken cancellationToken) => GetAsync<List<RecentReview>>("reviews/recent", cancellationToken);

    public Task<AuditPage> AuditAsync(AuditQuery query, int limit, CancellationToken cancellationToken) =>
        GetAsync<AuditPage>($"audit?limit={limit}&{query.Query}", cancellationToken);

    /// <summary>The CSV export of the selection, streamed through.</summary>
    public async Task<HttpResponseMessage> AuditCsvAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "audit/export.csv?" + query.Query), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                await EnsureSuccessAsync(response, cancellationToken);
            }
        }

        return response;
    }

    /// <summary>The hash banks a reviewer may add a reviewed medium's hash to.</summary>
    public Task<List<BankView>> BanksAsync(CancellationToken cancellationToken) => GetAsync<List<BankView>>("banks", cancellationToken)!;

    public Task<ReviewQueueStats> ReviewStatsAsync(CancellationToken cancellationToken) => GetAsync<ReviewQueueStats>("reviews/stats", cancellationToken)!;

    public async Task<MediaDetails?> MediaAsync(Guid mediaId, CancellationToken cancellationToken) =>
        await GetOrNullAsync<MediaDetails>($"media/{mediaId}", cancellationToken);

    /// <summary>The tombstone of an erased medium; null when the caller may not see one.</summary>
    public Task<ErasureView?> ErasureAsync(Guid mediaId, CancellationToken cancellationToken) =>
        GetOrNullAsync<ErasureView>($"media/{mediaId}/erasure", cancellationToken);

    /// <summary>Places (<paramref name="hold"/>) or lifts the medium's legal hold; the results service records who and why.</summary>
    public async Task SetLegalHoldAsync(Guid mediaId, bool hold, string reason, CancellationToken cancellationToken)
    {
        using var request = hold
            ? new HttpRequestMessage(HttpMethod.Put, $"media/{mediaId}/legal-hold") { Content = JsonContent.Create(new { reason }, options: Json) }
            : new HttpRequestMessage(HttpMethod.Delete, $"media/{mediaId}/legal-hold?reason={Uri.EscapeDataString(reason)}");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public async Task<IReadOnlyList<FrameView>> FramesAsync(Guid mediaId, CancellationToken cancellationToken) =>
        await GetOrNullAsync<List<FrameView>>($"media/{mediaId}/frames", cancellationToken) ?? [];

    public Task<MediaPage> SearchAsync(string? externalId, string? sha256, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        var query = new List<string> { $"limit={limit}" };
        if (!string.IsNullOrEmpty(externalId))
        {
            query.Add("externalIdContains=" + Uri.EscapeDataString(externalId));
        }

        if (!string.IsNullOrEmpty(sha256))
        {
            query.Add("sha256=" + Uri.EscapeDataString(sha256));
        }

        if (before is { } b)
        {
            query.Add("before=" + Uri.EscapeDataString(b.ToString("O", CultureInfo.InvariantCulture)));
        }

        return GetAsync<MediaPage>("media?" + string.Join('&', query), cancellationToken);
    }

    public async Task<PolicyView?> PolicyAsync(string name, int version, CancellationToken cancellationToken) =>
        await GetOrNullAsync<PolicyView>($"policies/{Uri.EscapeDataString(name)}/versions/{version}", cancellationToken);

    public Task<List<PolicyView>> PoliciesAsync(CancellationToken cancellationToken) => GetAsync<List<PolicyView>>("policies", cancellationToken);

    public Task<EvaluationReport> EvaluationAsync(CancellationToken cancellationToken) => GetAsync<EvaluationReport>("evaluation", cancellationToken);

    public Task<ClassRecommendation> RecommendAsync(string className, double targetRecall, string policy, CancellationToken cancellationToken) =>
        GetAsync<ClassRecommendation>(
            $"evaluation/recommendation?class={Uri.EscapeDataString(className)}&targetRecall={targetRecall.ToString(CultureInfo.InvariantCulture)}&policy={Uri.EscapeDataString(policy)}",
            cancellationToken);

    public Task<AppliedRecommendation> ApplyRecommendationAsync(string policy, ApplyRecommendationRequest request, CancellationToken cancellationToken) =>
        PostAsync<AppliedRecommendation>($"policies/{Uri.EscapeDataString(policy)}/apply-recommendation", request, cancellationToken);

    public Task<StatsOverview> StatsAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken) =>
        GetAsync<StatsOverview>(
            $"stats/overview?hours={window.TotalHours.ToString(CultureInfo.InvariantCulture)}&bucketMinutes={(int)bucket.TotalMinutes}", cancellationToken);

    /// <summary>A reviewer's statistics (<c>GET /reviews/reviewers/{reviewer}/stats</c>): administrators read anyone's, a reviewer their own.</summary>
    public Task<ReviewerStats> ReviewerStatsAsync(string reviewer, int days, CancellationToken cancellationToken) =>
        GetAsync<ReviewerStats>($"reviews/reviewers/{Uri.EscapeDataString(reviewer)}/stats?days={days}", cancellationToken);

    /// <summary>The reviewers active in the last <paramref name="days"/> days (administrators).</summary>
    public Task<List<string>> ReviewersAsync(int days, CancellationToken cancellationToken) => GetAsync<List<string>>($"reviews/reviewers?days={days}", cancellationToken);

    /// <summary>The caller's enforced break as results decides it (<c>GET /reviews/break</c>).</summary>
    public Task<BreakState> BreakAsync(CancellationToken cancellationToken) => GetAsync<BreakState>("reviews/break", cancellationToken);

    /// <summary>The caller's own desk settings (blur, greyscale), kept by results.</summary>
    public Task<ReviewerSettingsView> ReviewerSettingsAsync(CancellationToken cancellationToken) => GetAsync<ReviewerSettingsView>("reviews/settings", cancellationToken);

    public async Task<ReviewerSettingsView> SaveReviewerSettingsAsync(ReviewerSettingsView settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "reviews/settings") { Content = JsonContent.Create(settings, options: Json) };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<ReviewerSettingsView>(response, cancellationToken);
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: Json) };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task PostAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ResultsApiException(HttpStatusCode.ServiceUnavailable, $"The results service cannot be reached: {e.Message}");
        }
        finally
        {
            request.Dispose();
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ResultsApiException(HttpStatusCode.BadGateway, "The results service answered with an empty body.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        throw new ResultsApiException(response.StatusCode, await ProblemTextAsync(response, "results", cancellationToken));
    }

    /// <summary>The problem-details title and detail when the body is one, else the status line.</summary>
    internal static async Task<string> ProblemTextAsync(HttpResponseMessage response, string service, CancellationToken cancellationToken)
    {
        var fallback = $"The {service} service answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return fallback;
        }

        try
        {
            using var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = problem.RootElement;
            var parts = new List<string>();
            foreach (var name in new[] { "title", "detail" })
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    parts.Add(value.GetString()!);
                }
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(v => v.GetString() ?? "")));
            }

            return parts.Count > 0 ? string.Join(" ", parts) : fallback;
        }
        catch (JsonException)
        {
            return fallback;
        }
    }
}
