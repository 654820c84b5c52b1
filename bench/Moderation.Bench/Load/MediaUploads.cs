using System.Net;
using System.Net.Http.Headers;
using Npgsql;

namespace Moderation.Bench.Load;

/// <summary>
/// What every whole-cluster benchmark does with ingest and the results database: submit a medium as an upload system
/// would, and read the outcome by server timestamps (ingest's acceptance, results' verdict time), never by client polling.
/// </summary>
internal static class MediaUploads
{
    /// <summary>The verdicts of a set of media, read from the results database once all of them concluded (or the wait was cut short).</summary>
    public sealed record Outcome(int Verdicts, int Failures, int Duplicated, long Frames, List<double> LatenciesMs, DateTime? FirstAcceptedAt, DateTime? LastDecidedAt, Stages Stages)
    {
        /// <summary>From the first acceptance to the last verdict, by the servers' clocks.</summary>
        public double ServerSeconds => FirstAcceptedAt is { } first && LastDecidedAt is { } last ? (last - first).TotalSeconds : double.NaN;
    }

    /// <summary>
    /// Where time-to-verdict goes, per medium, by server timestamps (sorted, milliseconds): ingest's acceptance → the
    /// classifier's score of its last frame (ingest, broker, extractor, broker, classifier), that score → results
    /// receiving the last frame (broker and results' batch collection), and receipt → the verdict's commit (results'
    /// transaction). For a still, each stage is its one frame's.
    /// </summary>
    public sealed record Stages(List<double> AcceptedToClassifiedMs, List<double> ClassifiedToReceivedMs, List<double> ReceivedToDecidedMs);

    /// <summary>
    /// POST /media as multipart; retries 503 (back-pressure, broker outage) and 429 (the client's rate limit) with their
    /// Retry-After, as an upload system should. Returns the media id, or null when the attempts ran out.
    /// </summary>
    public static async Task<Guid?> SubmitAsync(HttpClient http, string fileName, Func<Stream> open, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 30 && !cancellationToken.IsCancellationRequested; attempt++)
        {
            using var content = new MultipartFormDataContent();
            var part = new StreamContent(open());
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "file", fileName);
            try
            {
                using var response = await http.PostAsync("/media", content, cancellationToken);
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                    return Guid.Parse(body["mediaId"]!.GetValue<string>());
                }

                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
                {
                    throw new InvalidOperationException($"{fileName}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until every medium of <paramref name="ids"/> is completed or failed in the results database (one cheap
    /// count per <paramref name="pollInterval"/>), then reads each verdict's time and its medium's acceptance time.
    /// </summary>
    public static async Task<Outcome> WaitForVerdictsAsync(string resultsDatabase, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken, TimeSpan? pollInterval = null)
    {
        await using var data = NpgsqlDataSource.Create(resultsDatabase);
        var idArray = ids.ToArray();
        while (true)
        {
            try
            {
                await using var command = data.CreateCommand("""
                    SELECT count(*) FILTER (WHERE m.state = 'completed'), count(*) FILTER (WHERE m.state = 'failed'),
                           (SELECT count(*) FROM (SELECT media_id FROM verdicts WHERE media_id = ANY($1) GROUP BY media_id HAVING count(*) > 1) d),
                           (SELECT count(*) FROM frame_scores WHERE media_id = ANY($1))
                    FROM media m WHERE m.id = ANY($1)
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = idArray });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                var (completed, failed, duplicated, frames) = ((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), reader.GetInt64(3));
                await reader.DisposeAsync();
                if (completed + failed >= idArray.Length || cancellationToken.IsCancellationRequested)
                {
                    await using var times = data.CreateCommand("""
                        SELECT m.submitted_at, v.decided_at, f.classified_at, f.received_at
                        FROM verdicts v JOIN media m ON m.id = v.media_id
                        LEFT JOIN LATERAL (SELECT max(classified_at) AS classified_at, max(received_at) AS received_at
                                           FROM frame_scores WHERE media_id = v.media_id) f ON true
                        WHERE v.media_id = ANY($1)
                        """);
                    times.Parameters.Add(new NpgsqlParameter { Value = idArray });
                    var latencies = new List<double>();
                    var stages = new Stages([], [], []);
                    DateTime? first = null, last = null;
                    await using var rows = await times.ExecuteReaderAsync(CancellationToken.None);
                    while (await rows.ReadAsync(CancellationToken.None))
                    {
                        var decided = rows.GetDateTime(1);
                        last = last is { } l && l > decided ? l : decided;
                        if (!rows.IsDBNull(0))
                        {
                            var accepted = rows.GetDateTime(0);
                            first = first is { } f && f < accepted ? f : accepted;
                            latencies.Add((decided - accepted).TotalMilliseconds);
                            if (!rows.IsDBNull(2) && !rows.IsDBNull(3))
                            {
                                var (classified, received) = (rows.GetDateTime(2), rows.GetDateTime(3));
                                stages.AcceptedToClassifiedMs.Add((classified - accepted).TotalMilliseconds);
                                stages.ClassifiedToReceivedMs.Add((received - classified).TotalMilliseconds);
                                stages.ReceivedToDecidedMs.Add((decided - received).TotalMilliseconds);
                            }
                        }
                    }

                    latencies.Sort();
                    stages.AcceptedToClassifiedMs.Sort();
                    stages.ClassifiedToReceivedMs.Sort();
                    stages.ReceivedToDecidedMs.Sort();
                    return new Outcome(completed, failed, duplicated, frames, latencies, first, last, stages);
                }
            }
            catch (NpgsqlException)
            {
            }

            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(500), CancellationToken.None);
        }
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
