using MassTransit;
using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>
/// Asks whether known content decides a hashed video frame before it goes to the classifier: results owns the hash banks
/// and the verdicts, so the extractor asks it (<see cref="MatchFrameHash"/>) and acts on the answer.
/// </summary>
public interface IKnownContent
{
    Task<FrameHashMatched> MatchAsync(MatchFrameHash request, CancellationToken cancellationToken);
}

/// <summary>The question over the bus: a MassTransit request to results' <c>results-match-frame-hash</c> queue.</summary>
public sealed class BusKnownContent(IClientFactory clients) : IKnownContent
{
    /// <summary>
    /// Results answers in one short transaction; a longer wait means it is down or overloaded, and the extraction's
    /// retries (then its failure) are better than waiting on.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IRequestClient<MatchFrameHash> client = clients.CreateRequestClient<MatchFrameHash>(RequestTimeout.After(s: (int)Timeout.TotalSeconds));

    public async Task<FrameHashMatched> MatchAsync(MatchFrameHash request, CancellationToken cancellationToken) =>
        (await client.GetResponse<FrameHashMatched>(request, cancellationToken)).Message;
}
