using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Moderation.Ingest.Fetching;

namespace Moderation.Ingest.Tests.Infrastructure;

/// <summary>
/// DNS for tests: names answer with whatever addresses a test sets (private, metadata, rebinding sequences) and nothing
/// ever reaches a real resolver. Each call is recorded.
/// </summary>
public sealed class FakeDnsResolver : IDnsResolver
{
    private readonly ConcurrentDictionary<string, Func<int, IPAddress[]>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.OrdinalIgnoreCase);

    public void Answer(string host, params string[] addresses) => _answers[host] = _ => addresses.Select(IPAddress.Parse).ToArray();

    /// <summary>Answers the n-th lookup (0-based) of <paramref name="host"/> with <paramref name="answer"/>(n).</summary>
    public void AnswerSequence(string host, Func<int, IPAddress[]> answer) => _answers[host] = answer;

    public int Calls(string host) => _calls.GetValueOrDefault(host);

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var n = _calls.AddOrUpdate(host, 1, (_, c) => c + 1) - 1;
        return _answers.TryGetValue(host, out var answer)
            ? Task.FromResult(answer(n))
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}

/// <summary>
/// Records every connection attempt the fetcher makes, and — as a last line of defence for the test machine — only ever
/// dials loopback: any other address is recorded and refused here, so a broken guard shows up as a failed assertion
/// instead of traffic to a private or public network.
/// </summary>
public sealed class RecordingConnector : ISocketConnector
{
    private readonly TcpSocketConnector _tcp = new();

    public ConcurrentQueue<IPEndPoint> Attempts { get; } = new();

    public async ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(endpoint);
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw new SocketException((int)SocketError.AccessDenied);
        }

        return await _tcp.ConnectAsync(endpoint, cancellationToken);
    }
}
