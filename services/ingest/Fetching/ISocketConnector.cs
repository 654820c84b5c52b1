using System.Net;
using Moderation.ServiceDefaults.Networking;

namespace Moderation.Ingest.Fetching;

/// <summary>Opens the TCP connection for the URL fetcher to one already-checked address; injected so tests can see every attempt.</summary>
public interface ISocketConnector
{
    ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken);
}

public sealed class TcpSocketConnector : ISocketConnector
{
    public ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken) => OutboundSocket.ConnectAsync(endpoint, cancellationToken);
}
