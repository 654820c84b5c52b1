using System.Net;

namespace Moderation.Dashboard.Results;

/// <summary>
/// Typed client of the ingest service, for the one thing the dashboard asks of it: erasure (<c>DELETE /media/{id}</c>),
/// which only ingest can do because it owns the stored originals and the submission records. Requests carry the
/// signed-in administrator's own API key (<see cref="ApiKeyForwardingHandler"/>), so ingest authorises and results
/// audits the erasure as that person.
/// </summary>
public sealed class IngestClient(HttpClient http)
{
    /// <summary>Erases the medium and answers its tombstone; <see cref="ResultsApiException"/> when ingest refuses (409 under legal hold).</summary>
    public async Task<ErasureView> EraseAsync(Guid mediaId, string reason, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.DeleteAsync($"media/{mediaId}?reason={Uri.EscapeDataString(reason)}", cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ResultsApiException(HttpStatusCode.ServiceUnavailable, $"The ingest service cannot be reached: {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new ResultsApiException(response.StatusCode, await ResultsClient.ProblemTextAsync(response, "ingest", cancellationToken));
            }

            return await response.Content.ReadFromJsonAsync<ErasureView>(ResultsClient.Json, cancellationToken)
                ?? throw new ResultsApiException(HttpStatusCode.BadGateway, "The ingest service answered with an empty body.");
        }
    }
}
