using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Pdq;
using Moderation.Results.Aggregation;
using Moderation.Results.Data;

namespace Moderation.Results.Banks;

/// <summary>
/// Answers <see cref="MatchFrameHash"/> questions (the extractor's about video frames, the classifier's about stills),
/// many at once: in their media's transaction, each frame's hash (in all eight orientations) is matched against the
/// banks the medium's client may see and, for a still, against the client's recently decided stills;
/// <see cref="MediaAggregator.HashAsync"/> records it and lets the lifecycle decide. A hash below PDQ's useful quality
/// is recorded and matched against nothing.
/// </summary>
public sealed class FrameHashMatching(ResultsDbContext db, MediaAggregator aggregator, BankIndex index, IOptions<BankOptions> options,
    TimeProvider clock)
{
    /// <summary>The answers, in the order of <paramref name="messages"/>.</summary>
    /// <exception cref="ArgumentException">A message's hash is not 64 hexadecimal digits.</exception>
    public async Task<IReadOnlyList<FrameHashMatched>> MatchAsync(IReadOnlyList<MatchFrameHash> messages, CancellationToken cancellationToken)
    {
        var normalised = messages.Select(m => PdqHash.TryParse(m.Pdq, out var hash)
            ? m with { Pdq = hash.ToHex() }
            : throw new ArgumentException($"'{m.Pdq}' is not a PDQ hash.", nameof(messages))).ToList();

        // The banks are brought up to date once for the batch: an entry committed before the batch began is seen.
        await index.RefreshAsync(db, cancellationToken);
        return await aggregator.HashAsync(normalised, async (medium, message, token) =>
        {
            if (message.Quality < PdqHash.MinUsefulQuality)
            {
                return ([], null);
            }

            var hash = PdqHash.Parse(message.Pdq);
            List<PdqHash> orientations = [hash];
            foreach (var other in message.Orientations.Take(7))
            {
                if (PdqHash.TryParse(other, out var turned))
                {
                    orientations.Add(turned);
                }
            }

            var clientId = medium.ClientId ?? message.ClientId;
            var matches = index.Match(clientId, orientations).Select(h => new MediumMatch
            {
                MediaId = medium.Id, FrameIndex = message.FrameIndex, BankId = h.BankId, BankName = h.BankName, Action = h.Action, Distance = h.Distance,
                TimestampSeconds = message.TimestampSeconds,
            }).ToList();
            var distance = clientId is null ? -1 : options.Value.NearDuplicateDistanceFor(clientId);
            var nearDuplicate = message.Kind == MediaKind.Still && matches.Count == 0 && distance >= 0
                ? await NearestDecidedStillAsync(medium.Id, clientId!, medium.PolicyName ?? message.Policy, message.Pdq, distance, token)
                : null;
            return (matches, nearDuplicate);
        }, cancellationToken);
    }

    /// <summary>
    /// The nearest still of the client, under the same policy, decided within the lookback, whose decision is final (not
    /// a review verdict still waiting for its reviewer) and whose hash is within the near-duplicate distance.
    /// </summary>
    /// <remarks>
    /// Within <see cref="NearDuplicateBands.MaxExactDistance"/> bits the GIN-indexed bands find the candidates, so a query
    /// reads a handful of rows however many stills the client has; a larger configured distance scans the client's
    /// stills of the lookback.
    /// </remarks>
    private async Task<(Guid MediaId, Decision Decision)?> NearestDecidedStillAsync(Guid mediaId, string clientId, string? policy, string hex,
        int maxDistance, CancellationToken cancellationToken)
    {
        var policyName = string.IsNullOrWhiteSpace(policy) ? ResultsDbContext.DefaultPolicyName : policy;
        var since = clock.GetUtcNow() - options.Value.NearDuplicateLookback;
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var banded = maxDistance <= NearDuplicateBands.MaxExactDistance;
        command.CommandText =
            $"""
            SELECT m.id, m.decision, bit_count(('x' || h.pdq)::bit(256) # ('x' || @hash)::bit(256)) AS distance
            FROM media m JOIN medium_hashes h ON h.media_id = m.id
            WHERE {(banded ? "h.bands && @bands AND " : "")}m.client_id = @client AND m.decided_at >= @since AND m.id <> @self AND m.kind = 'Still' AND m.state = 'completed'
              AND m.decision IS NOT NULL AND (m.decision <> 'Review' OR m.decided_by_reviewer)
              AND coalesce(m.policy_name, 'default') = @policy AND h.quality >= @quality
            ORDER BY distance, m.decided_at DESC
            LIMIT 1
            """;
        Add(command, "hash", hex);
        if (banded)
        {
            Add(command, "bands", NearDuplicateBands.Of(hex));
        }

        Add(command, "client", clientId);
        Add(command, "since", since);
        Add(command, "self", mediaId);
        Add(command, "policy", policyName);
        Add(command, "quality", PdqHash.MinUsefulQuality);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.GetInt64(2) > maxDistance)
        {
            return null;
        }

        return (reader.GetGuid(0), Enum.Parse<Decision>(reader.GetString(1)));
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
