using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Moderation.Results.Callbacks;

public enum CallbackOutcome
{
    Delivered,
    Retry,
    GiveUp,
}

public sealed record CallbackResult(CallbackOutcome Outcome, string? Error);

/// <summary>
/// Posts one signed callback. The handler is built here rather than through the shared HTTP client defaults: the
/// outbox owns retries and back-off, and the connect step must run <see cref="CallbackTargetGuard"/>.
/// </summary>
public sealed class CallbackSender : IDisposable
{
    public const string SignatureHeader = "X-Moderation-Signature";
    public const string TimestampHeader = "X-Moderation-Timestamp";
    public const string DeliveryIdHeader = "X-Moderation-Delivery-Id";
    public const string EventHeader = "X-Moderation-Event";
    public const string RedeliveryHeader = "X-Moderation-Redelivery";
    public const string AttemptHeader = "X-Moderation-Attempt";

    private readonly HttpClient _client;
    private readonly CallbackOptions _options;
    private readonly TimeProvider _clock;

    public CallbackSender(IOptions<CallbackOptions> options, CallbackTargetGuard guard, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = guard.ConnectAsync,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = _options.Timeout,
        })
        {
            Timeout = _options.Timeout,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
    }

    /// <param name="attempt">1 for the first delivery of a series; higher numbers carry the redelivery header.</param>
    /// <param name="redelivered">A new series of attempts after delivery was given up (the redelivery API): the redelivery header from the first attempt.</param>
    /// <param name="clientId">The medium's client, whose own secret signs the callback; null or a client without one: the global secret.</param>
    public async Task<CallbackResult> SendAsync(Guid deliveryId, string eventName, string url, string payload, int attempt, bool redelivered, string? clientId,
        CancellationToken cancellationToken)
    {
        if (CallbackTargetGuard.UrlProblem(url) is { } problem)
        {
            return new(CallbackOutcome.GiveUp, problem);
        }

        var body = Encoding.UTF8.GetBytes(payload);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var (secret, previousSecret) = _options.SecretsFor(clientId);
        request.Headers.TryAddWithoutValidation(SignatureHeader, CallbackSignature.Header(secret, previousSecret, timestamp, body));
        request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(DeliveryIdHeader, deliveryId.ToString());
        request.Headers.Add(EventHeader, eventName);
        request.Headers.Add(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        if (attempt > 1 || redelivered)
        {
            request.Headers.Add(RedeliveryHeader, "true");
        }

        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.StatusCode switch
            {
                >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices => new(CallbackOutcome.Delivered, null),
                // The receiver says the resource is gone for good: retrying cannot help.
                HttpStatusCode.Gone => new(CallbackOutcome.GiveUp, "HTTP 410 Gone"),
                _ => new(CallbackOutcome.Retry, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"),
            };
        }
        catch (Exception e) when (FindRefusal(e) is { } refusal)
        {
            return new(CallbackOutcome.GiveUp, refusal.Message);
        }
        catch (HttpRequestException e)
        {
            return new(CallbackOutcome.Retry, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(CallbackOutcome.Retry, $"No answer within {_options.Timeout}.");
        }
    }

    public void Dispose() => _client.Dispose();

    private static CallbackTargetRefusedException? FindRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is CallbackTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
