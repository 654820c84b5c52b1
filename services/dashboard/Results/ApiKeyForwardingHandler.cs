using Moderation.Auth;
using Moderation.Dashboard.Auth;

namespace Moderation.Dashboard.Results;

/// <summary>Adds the signed-in reviewer's API key (kept encrypted in their session cookie) to calls to the results service.</summary>
public sealed class ApiKeyForwardingHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    public const string HeaderName = ApiKeyAuthenticationHandler.HeaderName;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(HeaderName) && accessor.HttpContext?.User.FindFirst(DashboardClaims.ApiKey)?.Value is { Length: > 0 } key)
        {
            request.Headers.Add(HeaderName, key);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
