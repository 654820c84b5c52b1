using System.Net;
using Moderation.Contracts.V1;

namespace Moderation.Dashboard.Results;

public sealed record ModelVersionView(string Name, string Version, string ManifestName, string ManifestVersion, string BlobKey, string Sha256,
    string? HeadVersion, string? Comment, string RegisteredBy, DateTimeOffset RegisteredAt);

public sealed record DeploymentView(string Name, string? Active, string? Shadow, double ShadowShare, string? Previous, DateTimeOffset? UpdatedAt,
    string? UpdatedBy, IReadOnlyList<ModelVersionView> Versions);

public sealed record ShadowReport(string Name, string? ActiveVersion, string ShadowVersion, int MediaScored, IReadOnlyList<PolicyShadowReport> Policies);

public sealed record PolicyShadowReport(string Policy, int MediaCompared, int Changed, IReadOnlyList<ShadowChange> Changes, ModelQuality Active, ModelQuality Shadow);

public sealed record ShadowChange(Guid MediaId, Decision ActiveDecision, Decision ShadowDecision, string? ShadowTrigger, IReadOnlyList<ShadowFrame> Frames);

public sealed record ShadowFrame(int FrameIndex, double TimestampSeconds, IReadOnlyDictionary<string, float>? Active, IReadOnlyDictionary<string, float> Shadow);

public sealed record ModelQuality(string Version, int Labelled, int TruePositives, int FalsePositives, int FalseNegatives, double? Precision, double? Recall);

public sealed record BackfillSelection(string? ClientId, DateTimeOffset? SubmittedFrom, DateTimeOffset? SubmittedTo, Decision? Decision, string? ModelVersion);

public sealed record BackfillProgress(int Total, int Pending, int InFlight, int Rescored, int Skipped, int Failed, int Changed, int Applied,
    double Percent, double? MediaPerMinute, DateTimeOffset? EstimatedCompletion, IReadOnlyDictionary<string, int> SkippedBy,
    IReadOnlyDictionary<string, int> Transitions);

public sealed record BackfillView(Guid Id, string ModelName, string ModelVersion, BackfillSelection Selection, bool ApplyChanges, string State,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, BackfillProgress Progress);

/// <summary>The results service's model registry and backfills (docs/models.md), with the signed-in user's own API key.</summary>
public sealed class ModelsClient(HttpClient http)
{
    public Task<List<DeploymentView>> DeploymentsAsync(CancellationToken cancellationToken) => SendAsync<List<DeploymentView>>(HttpMethod.Get, "models/registry", cancellationToken)!;

    public Task<ShadowReport?> ShadowReportAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<ShadowReport>(HttpMethod.Get, $"models/registry/{Uri.EscapeDataString(name)}/shadow-report", cancellationToken, notFoundIsNull: true);

    public Task<DeploymentView?> PromoteAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<DeploymentView>(HttpMethod.Post, $"models/registry/{Uri.EscapeDataString(name)}/promote", cancellationToken);

    public Task<DeploymentView?> RollbackAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<DeploymentView>(HttpMethod.Post, $"models/registry/{Uri.EscapeDataString(name)}/rollback", cancellationToken);

    public Task<List<BackfillView>> BackfillsAsync(CancellationToken cancellationToken) => SendAsync<List<BackfillView>>(HttpMethod.Get, "backfills", cancellationToken)!;

    public Task<BackfillView?> CancelAsync(Guid id, CancellationToken cancellationToken) => SendAsync<BackfillView>(HttpMethod.Post, $"backfills/{id}/cancel", cancellationToken);

    public Task<BackfillView?> ResumeAsync(Guid id, CancellationToken cancellationToken) => SendAsync<BackfillView>(HttpMethod.Post, $"backfills/{id}/resume", cancellationToken);

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, CancellationToken cancellationToken, bool notFoundIsNull = false)
        where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(new HttpRequestMessage(method, path), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ResultsApiException(HttpStatusCode.ServiceUnavailable, $"The results service cannot be reached: {e.Message}");
        }

        using (response)
        {
            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ResultsApiException(response.StatusCode, await ResultsClient.ProblemTextAsync(response, "results", cancellationToken));
            }

            return await response.Content.ReadFromJsonAsync<T>(ResultsClient.Json, cancellationToken)
                ?? throw new ResultsApiException(HttpStatusCode.BadGateway, "The results service answered with an empty body.");
        }
    }
}
