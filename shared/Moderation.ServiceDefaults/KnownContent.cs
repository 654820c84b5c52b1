using MassTransit;
using Moderation.Contracts.V1;

namespace Moderation.ServiceDefaults;

/// <summary>
/// Asks whether known content decides a hashed frame before the model scores it: results owns the hash banks and the
/// verdicts, so the extractor (about video frames) and the classifier (about stills) ask it (<see cref="MatchFrameHash"/>)
/// and act on the answer.
/// </summary>
public interface IKnownContent
{
    Task<FrameHashMatched> MatchAsync(MatchFrameHash request, CancellationToken cancellationToken);
}

/// <summary>The question over the bus: a MassTransit request to results' <c>results-match-frame-hash</c> queue.</summary>
public sealed class BusKnownContent(IClientFactory clients) : IKnownContent
{
    /// <summary>
    /// Results answers in one short transaction; a longer wait means it is down or overloaded, and the asker's retries
    /// (then the medium's failure) are better than waiting on.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IRequestClient<MatchFrameHash> client = clients.CreateRequestClient<MatchFrameHash>(RequestTimeout.After(s: (int)Timeout.TotalSeconds));

    public async Task<FrameHashMatched> MatchAsync(MatchFrameHash request, CancellationToken cancellationToken) =>
        (await client.GetResponse<FrameHashMatched>(request, cancellationToken)).Message;
}
