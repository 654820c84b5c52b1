using MassTransit;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Inference;

/// <summary>
/// Asks results whether known content decides stills before the model scores them: results owns the hash banks and the
/// verdicts. One request per still, all of a batch sent at once; results answers them in batches.
/// </summary>
public sealed class KnownStills(IClientFactory clients)
{
    /// <summary>
    /// Results answers a batch in one short transaction; a longer wait means it is down or overloaded, and the batch's
    /// redelivery is better than waiting on.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IRequestClient<MatchFrameHash> client = clients.CreateRequestClient<MatchFrameHash>(RequestTimeout.After(s: (int)Timeout.TotalSeconds));

    /// <summary>The answers, in the order of <paramref name="questions"/>.</summary>
    public async Task<FrameHashMatched[]> AskAsync(IEnumerable<MatchFrameHash> questions, CancellationToken cancellationToken) =>
        await Task.WhenAll(questions.Select(async q => (await client.GetResponse<FrameHashMatched>(q, cancellationToken)).Message));
}
