namespace Moderation.Ingest.Fetching;

/// <summary>The body of a fetched URL, handed to a consumer while the connection is open.</summary>
public sealed record FetchedResponse(Stream Content, long? ContentLength, Uri FinalUrl);

/// <summary>
/// Fetches client-supplied URLs without letting them reach anything but the public internet (SSRF), within size and
/// time caps. Failures are <see cref="Intake.IntakeException"/>s with a problem the client can act on.
/// </summary>
public interface IUrlFetcher
{
    /// <summary>
    /// Fetches <paramref name="url"/>, following redirects, and passes the body to <paramref name="consume"/>, whose
    /// token also carries the fetch's time cap. <paramref name="allowed"/> is the submitting client's allow-list, the
    /// only way to reach an address the guard refuses (<see cref="SourceAllowList.Empty"/> for none).
    /// </summary>
    Task<T> FetchAsync<T>(Uri url, SourceAllowList allowed, Func<FetchedResponse, CancellationToken, Task<T>> consume, CancellationToken cancellationToken);
}
