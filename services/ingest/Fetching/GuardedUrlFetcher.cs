using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;
using Moderation.ServiceDefaults.Networking;

namespace Moderation.Ingest.Fetching;

/// <summary>
/// The SSRF-guarded fetcher. For every hop (the first request and each redirect) it checks the scheme, resolves the host
/// once through <see cref="IDnsResolver"/>, refuses the hop if any resolved address is forbidden, and pins the checked
/// address on the request; the handler's connect callback connects to that pinned address only. There is no second
/// lookup between check and connect, so a name that re-resolves to an internal address (DNS rebinding) cannot slip through.
/// No proxy, no automatic redirects, no decompression (a compressed body could expand past the size cap).
/// The client's <see cref="SourceAllowList"/> is the one way past the address rule: it opens loopback or private
/// addresses of the hosts and ranges an administrator allowed for that client, on every hop alike.
/// </summary>
public sealed class GuardedUrlFetcher : IUrlFetcher, IDisposable
{
    private static readonly HttpRequestOptionsKey<CheckedHop> PinnedHop = new("moderation.pinned-hop");

    private readonly UrlFetchOptions _options;
    private readonly IDnsResolver _resolver;
    private readonly ISocketConnector _connector;
    private readonly ILogger<GuardedUrlFetcher> _logger;
    private readonly HttpClient _client;

    public GuardedUrlFetcher(IOptions<UrlFetchOptions> options, IDnsResolver resolver, ISocketConnector connector, ILogger<GuardedUrlFetcher> logger)
    {
        _options = options.Value;
        _resolver = resolver;
        _connector = connector;
        _logger = logger;
        // Built here rather than by IHttpClientFactory: the factory's default resilience handler would retry and time out
        // long media downloads, and its handler could be swapped by configuration for one without the connect guard.
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
    }

    public async Task<T> FetchAsync<T>(Uri url, SourceAllowList allowed, Func<FetchedResponse, CancellationToken, Task<T>> consume, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        var token = deadline.Token;
        var current = url;
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                var hop = await CheckAsync(current, allowed, token);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                request.Options.Set(PinnedHop, hop);
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                if (IsRedirect(response.StatusCode))
                {
                    var location = response.Headers.Location
                        ?? throw Failed($"{current} answered {(int)response.StatusCode} without a Location header.");
                    if (redirects >= _options.MaxRedirects)
                    {
                        throw Failed($"More than {_options.MaxRedirects} redirects.");
                    }

                    current = location.IsAbsoluteUri ? location : new Uri(current, location);
                    _logger.LogDebug("Following redirect to {Url}", current);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw Failed($"{current} answered {(int)response.StatusCode} {response.ReasonPhrase}.", new() { ["upstreamStatus"] = (int)response.StatusCode });
                }

                var length = response.Content.Headers.ContentLength;
                if (length > _options.MaxBytes)
                {
                    throw TooLarge(_options.MaxBytes);
                }

                await using var body = await response.Content.ReadAsStreamAsync(token);
                await using var capped = new CappedReadStream(body, _options.MaxBytes, TooLarge);
                return await consume(new FetchedResponse(capped, length, current), token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Failed($"Fetching took longer than {_options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException e)
        {
            throw Failed($"Fetching {current} failed: {e.Message}");
        }
        catch (IOException e) when (e.InnerException is not IntakeException)
        {
            throw Failed($"Reading {current} failed: {e.Message}");
        }
    }

    /// <summary>Checks one hop and returns the single address the request may connect to.</summary>
    private async Task<CheckedHop> CheckAsync(Uri url, SourceAllowList allowed, CancellationToken cancellationToken)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw Forbidden($"Only http and https URLs may be fetched, not '{(url.IsAbsoluteUri ? url.Scheme : url.OriginalString)}'.");
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw Forbidden("URLs with credentials are not fetched.");
        }

        var host = url.IdnHost;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await _resolver.ResolveAsync(host, cancellationToken);
            }
            catch (SocketException e)
            {
                throw Failed($"'{host}' cannot be resolved: {e.SocketErrorCode}.");
            }

            if (addresses.Length == 0)
            {
                throw Failed($"'{host}' has no addresses.");
            }
        }

        // Every address must pass: a name answering with one public and one internal address is an attack, not a mirror.
        foreach (var address in addresses)
        {
            if (PublicAddressPolicy.Refusal(address, _options.AllowLoopback) is not { } reason)
            {
                continue;
            }

            if (allowed.Opening(host, address) is { } rule)
            {
                _logger.LogInformation("Fetching {Url} from {Address}, {Reason}, allowed for {ClientId} by source {Source}", url, address, reason, allowed.ClientId, rule.Text);
                continue;
            }

            _logger.LogWarning("Refused to fetch {Url}: {Host} resolves to {Address}, {Reason}", url, host, address, reason);
            throw Forbidden($"'{host}' resolves to {address}, {reason}; only public addresses are fetched, and sources an administrator allowed for the client.");
        }

        return new CheckedHop(addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0], host, allowed);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (!context.InitialRequestMessage.Options.TryGetValue(PinnedHop, out var hop))
        {
            throw new InvalidOperationException("Every fetch must pin a checked address before connecting.");
        }

        // Checked once more right before connecting, so the guard does not rest on one call site alone.
        if (PublicAddressPolicy.Refusal(hop.Address, _options.AllowLoopback) is { } reason && hop.Allowed.Opening(hop.Host, hop.Address) is null)
        {
            throw new HttpRequestException($"Refusing to connect to {hop.Address}, {reason}.");
        }

        return await _connector.ConnectAsync(new IPEndPoint(hop.Address, context.DnsEndPoint.Port), cancellationToken);
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static IntakeException Forbidden(string detail) =>
        new(Problems.Create(StatusCodes.Status400BadRequest, Problems.ForbiddenUrl, "URL not allowed", detail), FailureReasons.ForbiddenReference);

    private static IntakeException Failed(string detail, Dictionary<string, object?>? extensions = null) =>
        new(Problems.Create(StatusCodes.Status422UnprocessableEntity, Problems.UrlFetchFailed, "URL could not be fetched", detail, extensions), FailureReasons.FetchFailed);

    private static IntakeException TooLarge(long limit) =>
        new(Problems.Create(StatusCodes.Status413PayloadTooLarge, Problems.MediaTooLarge, "Media too large",
            $"The URL serves more than {limit} bytes, the most ingest fetches.", new Dictionary<string, object?> { ["maxBytes"] = limit }),
            FailureReasons.TooLarge);

    public void Dispose() => _client.Dispose();

    /// <summary>A hop that passed the guard: the one address to dial, and what it was checked with.</summary>
    private sealed record CheckedHop(IPAddress Address, string Host, SourceAllowList Allowed);
}
