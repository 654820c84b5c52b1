using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Moderation.ServiceDefaults.Networking;

namespace Moderation.Results.Callbacks;

/// <summary>Name resolution and TCP connect for callbacks, behind an interface so tests can prove refusals happen before any connect.</summary>
public interface ICallbackNetwork
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);

    ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken);
}

public sealed class SocketCallbackNetwork : ICallbackNetwork
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);

    public ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken) => OutboundSocket.ConnectAsync(endpoint, cancellationToken);
}

/// <summary>The callback target is not allowed; delivery is given up without retrying.</summary>
public sealed class CallbackTargetRefusedException(string message) : Exception(message);

/// <summary>
/// SSRF protection for submitter-supplied callback URLs. The check runs inside the HTTP handler's connect step on
/// the very addresses being dialled, so a DNS answer that changes between check and use (rebinding) cannot slip
/// through, and redirects and proxies are off. The address rule is the shared <see cref="PublicAddressPolicy"/>; loopback
/// and private ranges need explicit configuration, everything else that is not public unicast is always refused.
/// </summary>
public sealed class CallbackTargetGuard(IOptions<CallbackOptions> options, ICallbackNetwork network)
{
    /// <summary>Only absolute http/https URLs without embedded credentials.</summary>
    public static string? UrlProblem(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var uri) ? "The callback URL is not an absolute URL."
        : uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps ? "The callback URL must use http or https."
        : !string.IsNullOrEmpty(uri.UserInfo) ? "The callback URL must not carry credentials."
        : null;

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await network.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new CallbackTargetRefusedException($"{host} does not resolve.");
        }

        // Every answer must be acceptable: otherwise an attacker mixes one public and one private record.
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } reason)
            {
                throw new CallbackTargetRefusedException($"Callback host {host} resolves to {address}, {reason}.");
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await network.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }

        throw new HttpRequestException($"Could not connect to {host}.", last);
    }

    /// <summary>Why a connection to <paramref name="address"/> is refused, or null when it is allowed.</summary>
    public string? Refusal(IPAddress address)
    {
        var settings = options.Value;
        return PublicAddressPolicy.Refusal(address, settings.AllowLoopback, settings.AllowPrivateNetworks) is { } reason
            ? PublicAddressPolicy.Classify(address).Reach switch
            {
                AddressReach.Loopback => $"{reason}; Callbacks:AllowLoopback is off",
                AddressReach.Private => $"{reason}; Callbacks:AllowPrivateNetworks is off",
                _ => reason,
            }
            : null;
    }
}
