using System.Net;
using System.Net.Sockets;

namespace Moderation.ServiceDefaults.Networking;

/// <summary>
/// The one way services dial an outbound TCP connection after <see cref="PublicAddressPolicy"/> approved the exact
/// address (ingest's URL fetcher, results' callbacks): to that endpoint, never to a name, Nagle off.
/// </summary>
public static class OutboundSocket
{
    public static async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
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
