using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

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

    public async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The callback target is not allowed; delivery is given up without retrying.</summary>
public sealed class CallbackTargetRefusedException(string message) : Exception(message);

/// <summary>
/// SSRF protection for submitter-supplied callback URLs. The check runs inside the HTTP handler's connect step on
/// the very addresses being dialled, so a DNS answer that changes between check and use (rebinding) cannot slip
/// through, and redirects and proxies are off. Loopback and private ranges need explicit configuration; link-local
/// (cloud metadata), multicast and reserved ranges are always refused.
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
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var settings = options.Value;
        return Classify(address) switch
        {
            AddressClass.Loopback when !settings.AllowLoopback => "a loopback address (Callbacks:AllowLoopback is off)",
            AddressClass.Private when !settings.AllowPrivateNetworks => "a private address (Callbacks:AllowPrivateNetworks is off)",
            AddressClass.Forbidden => "a link-local, multicast or reserved address",
            _ => null,
        };
    }

    private enum AddressClass
    {
        Public,
        Loopback,
        Private,
        Forbidden,
    }

    private static AddressClass Classify(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return AddressClass.Loopback;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 => AddressClass.Forbidden,
                10 => AddressClass.Private,
                100 when b[1] is >= 64 and <= 127 => AddressClass.Private,
                169 when b[1] == 254 => AddressClass.Forbidden,
                172 when b[1] is >= 16 and <= 31 => AddressClass.Private,
                192 when b[1] == 168 => AddressClass.Private,
                192 when b[1] == 0 && b[2] == 0 => AddressClass.Forbidden,
                198 when b[1] is 18 or 19 => AddressClass.Private,
                >= 224 => AddressClass.Forbidden,
                _ => AddressClass.Public,
            };
        }

        if (address.Equals(IPAddress.IPv6None) || address.IsIPv6Multicast || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
        {
            return AddressClass.Forbidden;
        }

        var bytes = address.GetAddressBytes();
        if ((bytes[0] & 0xFE) == 0xFC)
        {
            return AddressClass.Private;
        }

        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address that is what really gets dialled.
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B)
        {
            return Classify(new IPAddress(bytes.AsSpan(12, 4)));
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return Classify(new IPAddress(bytes.AsSpan(2, 4)));
        }

        return AddressClass.Public;
    }
}
