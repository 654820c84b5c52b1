using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Moderation.Pdq;
using Moderation.Results.Data;

namespace Moderation.Results.Banks;

/// <summary>
/// Every hash bank in memory, each with an exact index for PDQ's match radius, so that matching a frame costs
/// microseconds however long the lists grow. The database is the truth: before each lookup (or batch of lookups) the
/// banks' revisions are read (one small query), and a bank whose revision moved — changed on this replica or another —
/// is brought up to date with the entries added and removed since the revision held (<see cref="BankEntry.AddedRevision"/>,
/// <see cref="BankEntryRemoval"/>), applied to its index in place, so a lookup never misses an entry committed before it
/// began and a bank of millions is never reloaded for one entry. A bank seen for the first time is loaded whole.
/// </summary>
public sealed class BankIndex(ILogger<BankIndex> logger) : IDisposable
{
    private readonly SemaphoreSlim reload = new(1, 1);
    private volatile ImmutableDictionary<Guid, LoadedBank> banks = ImmutableDictionary<Guid, LoadedBank>.Empty;

    private long fullLoads;
    private long incrementalUpdates;

    /// <summary>Banks loaded whole (first sight, or a replica's start).</summary>
    public long FullLoads => Interlocked.Read(ref fullLoads);

    /// <summary>Banks brought up to date with the changes since the revision held.</summary>
    public long IncrementalUpdates => Interlocked.Read(ref incrementalUpdates);

    /// <summary>How many hashes the loaded banks hold.</summary>
    public long Entries => banks.Values.Sum(b => (long)b.Count);

    /// <summary>
    /// The banks <paramref name="clientId"/>'s media are matched against (the global ones and the client's own) that
    /// hold an entry within their distance of any of <paramref name="orientations"/> (a frame's hash and those of its
    /// mirrored and rotated versions): one match per bank, at the nearest distance found, against the banks as last
    /// loaded (<see cref="RefreshAsync"/> first).
    /// </summary>
    public IReadOnlyList<BankHit> Match(string? clientId, IReadOnlyList<PdqHash> orientations)
    {
        List<BankHit> hits = [];
        foreach (var bank in banks.Values)
        {
            if (bank.OwnerClientId is not null && bank.OwnerClientId != clientId)
            {
                continue;
            }

            var nearest = bank.Nearest(orientations);
            if (nearest <= bank.MaxDistance)
            {
                hits.Add(new BankHit(bank.Id, bank.Name, bank.Action, nearest));
            }
        }

        return hits;
    }

    /// <summary>Reloads the banks whose revision moved and drops the deleted ones; nothing when all are current.</summary>
    public async Task RefreshAsync(ResultsDbContext db, CancellationToken cancellationToken)
    {
        var current = await db.HashBanks.AsNoTracking().Select(b => new BankHead(b.Id, b.Name, b.Action, b.MaxDistance, b.OwnerClientId, b.Revision))
            .ToListAsync(cancellationToken);
        if (IsCurrent(banks, current))
        {
            return;
        }

        await reload.WaitAsync(cancellationToken);
        try
        {
            var loaded = banks;
            if (IsCurrent(loaded, current))
            {
                return;
            }

            var next = loaded.RemoveRange(loaded.Keys.Where(id => current.All(h => h.Id != id)));
            foreach (var head in current)
            {
                if (next.TryGetValue(head.Id, out var known) && known.Head == head)
                {
                    continue;
                }

                if (known is not null && known.Head.Revision == head.Revision)
                {
                    // Only the bank's settings changed: its entries stand.
                    next = next.SetItem(head.Id, known with { Head = head });
                    continue;
                }

                if (known is not null && known.Head.Revision < head.Revision)
                {
                    // The changes since the loaded revision, applied to the index in place (lookups meanwhile see each
                    // entry before or after, never half of one): a bank of millions is never reloaded for one entry.
                    var from = known.Head.Revision;
                    var removed = await db.BankEntryRemovals.AsNoTracking().Where(r => r.BankId == head.Id && r.Revision > from && r.Revision <= head.Revision)
                        .Select(r => new { r.Seq, r.Pdq }).ToListAsync(cancellationToken);
                    var added = await db.BankEntries.AsNoTracking().Where(e => e.BankId == head.Id && e.AddedRevision > from && e.AddedRevision <= head.Revision)
                        .Select(e => new { e.Seq, e.Pdq }).ToListAsync(cancellationToken);
                    foreach (var entry in removed)
                    {
                        known.Index.Remove(entry.Seq, PdqHash.Parse(entry.Pdq));
                    }

                    foreach (var entry in added)
                    {
                        known.Index.Add(entry.Seq, PdqHash.Parse(entry.Pdq));
                    }

                    next = next.SetItem(head.Id, known with { Head = head });
                    Interlocked.Increment(ref incrementalUpdates);
                    logger.LogInformation("Hash bank {Bank} revision {From} → {Revision}: {Added} added, {Removed} removed, {Entries} hashes", head.Name, from,
                        head.Revision, added.Count, removed.Count, known.Count);
                    continue;
                }

                // Entries up to the head's revision only: a change committed since is applied by the next refresh.
                var hashes = await db.BankEntries.AsNoTracking().Where(e => e.BankId == head.Id && e.AddedRevision <= head.Revision)
                    .Select(e => new { e.Seq, e.Pdq }).ToListAsync(cancellationToken);
                next = next.SetItem(head.Id, LoadedBank.Build(head, [.. hashes.Select(h => (h.Seq, h.Pdq))]));
                Interlocked.Increment(ref fullLoads);
                logger.LogInformation("Loaded hash bank {Bank} revision {Revision}: {Entries} hashes", head.Name, head.Revision, hashes.Count);
            }

            banks = next;
        }
        finally
        {
            reload.Release();
        }
    }

    public void Dispose() => reload.Dispose();

    private static bool IsCurrent(ImmutableDictionary<Guid, LoadedBank> loaded, List<BankHead> current) =>
        loaded.Count == current.Count && current.All(h => loaded.TryGetValue(h.Id, out var bank) && bank.Head == h);

    private sealed record BankHead(Guid Id, string Name, BankAction Action, int MaxDistance, string? OwnerClientId, long Revision);

    /// <summary>
    /// One bank's hashes in an exact multi-index (<see cref="PdqIndex"/>): a query costs about the same at a hundred hashes
    /// and at ten million, and finds exactly what a linear scan would.
    /// </summary>
    private sealed record LoadedBank(BankHead Head, PdqIndex Index)
    {
        public Guid Id => Head.Id;

        public string Name => Head.Name;

        public BankAction Action => Head.Action;

        public int MaxDistance => Head.MaxDistance;

        public string? OwnerClientId => Head.OwnerClientId;

        public int Count => Index.Count;

        public static LoadedBank Build(BankHead head, List<(long Seq, string Pdq)> entries) =>
            new(head, PdqIndex.Build([.. entries.Select(e => (e.Seq, PdqHash.Parse(e.Pdq)))]));

        /// <summary>The distance of the nearest entry to any of the orientations within the bank's distance, or <see cref="int.MaxValue"/>.</summary>
        public int Nearest(IReadOnlyList<PdqHash> orientations)
        {
            var matches = Index.Query(orientations, MaxDistance);
            return matches.Count == 0 ? int.MaxValue : matches[0].Distance;
        }
    }
}

/// <summary>A bank that holds a frame's hash (in one of its orientations) within its distance.</summary>
public sealed record BankHit(Guid BankId, string BankName, BankAction Action, int Distance);
