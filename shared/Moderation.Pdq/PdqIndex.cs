using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Moderation.Pdq;

/// <summary>A hash found within the asked distance: the id it was added with and how many bits it differs by.</summary>
/// <param name="Orientation">Which of the query's dihedral hashes matched (always <see cref="PdqDihedral.Original"/> for a single-hash query).</param>
public readonly record struct PdqMatch(long Id, int Distance, PdqDihedral Orientation = PdqDihedral.Original);

/// <summary>
/// An exact index for Hamming-radius queries over PDQ hashes: multi-index hashing (Norouzi, Punjani and Fleet, "Fast
/// exact search in Hamming space with multi-index hashing", 2014). The 256 bits are cut into m chunks, each with its own
/// table of the entries holding each chunk value. Writing the distance r as m·r' + a (0 ≤ a &lt; m), two hashes within r
/// bits differ by at most r' bits in one of the first a + 1 chunks, or by at most r' − 1 in one of the others
/// (pigeonhole), so a query probes only those buckets and checks each candidate with a full 256-bit popcount: results
/// are exactly a linear scan's.
/// </summary>
/// <remarks>
/// Small indexes cut 16 chunks of 16 bits (for distance 31: 17 buckets in each of 16 tables). Indexes sized for a
/// million entries or more cut 13 chunks of 20 and 19 bits, whose buckets hold 8 to 16 times fewer random entries: at
/// distance 31 a query probes about 1,400 buckets but checks about 14,000 candidates in 10 million instead of 41,000,
/// and checking candidates (a cache miss each) is what costs. Entries are (id, hash) pairs: an id may carry several
/// hashes (a video's frames), and a query reports each id once, with its smallest distance. Memory: the hash, the id
/// and a 4-byte slot in each table per entry, plus the tables' bucket arrays (12 MB small, 138 MB large before any
/// entry); about 136 bytes an entry in all at 10 million.
/// Queries may run concurrently with each other and with <see cref="Add"/> and <see cref="Remove"/>.
/// </remarks>
public sealed class PdqIndex : IDisposable
{
    /// <summary>From this many expected entries on, the index cuts 13 wide chunks instead of 16 narrow ones.</summary>
    public const int LargeLayoutThreshold = 1_000_000;

    // Chunk widths, widest first (the refined pigeonhole probes the first chunks one bit further).
    internal static readonly int[] SmallLayout = [.. Enumerable.Repeat(16, 16)];
    internal static readonly int[] LargeLayout = [.. Enumerable.Repeat(20, 9), .. Enumerable.Repeat(19, 4)];

    /// <summary>XOR masks of a chunk width with at most a given number of bits set, fewest bits first, by (width, bits).</summary>
    private static readonly ConcurrentDictionary<(int Width, int Bits), uint[]> MaskCache = new();

    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);

    // Slot-indexed entry storage; a removed slot goes on the free list.
    private PdqHash[] hashes;
    private long[] ids;
    private int slotsUsed;
    private readonly Stack<int> freeSlots = new();

    // Chunk c is bits chunkStarts[c] .. chunkStarts[c] + chunkWidths[c] - 1. tables[c][value] holds the slots whose
    // hash has that chunk value; counts[c][value] how many of them are in use.
    private readonly int[] chunkWidths;
    private readonly int[] chunkStarts;
    private readonly int[][][] tables;
    private readonly int[][] counts;

    public PdqIndex()
        : this(0)
    {
    }

    /// <summary>
    /// An empty index expecting about <paramref name="expectedCount"/> entries: room for them before the entry arrays
    /// grow, and the wide layout from <see cref="LargeLayoutThreshold"/> on.
    /// </summary>
    public PdqIndex(int expectedCount)
        : this(expectedCount, expectedCount >= LargeLayoutThreshold ? LargeLayout : SmallLayout)
    {
    }

    internal PdqIndex(int expectedCount, int[] layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
        if (layout.Sum() != PdqHash.Bits || layout.Any(width => width is < 1 or > 24))
        {
            throw new ArgumentException("Chunks of 1 to 24 bits must cover the 256 bits.", nameof(layout));
        }

        hashes = new PdqHash[Math.Max(expectedCount, 16)];
        ids = new long[hashes.Length];
        chunkWidths = layout;
        chunkStarts = new int[layout.Length];
        tables = new int[layout.Length][][];
        counts = new int[layout.Length][];
        for (int chunk = 0, start = 0; chunk < layout.Length; start += layout[chunk], chunk++)
        {
            chunkStarts[chunk] = start;
            tables[chunk] = new int[1 << layout[chunk]][];
            counts[chunk] = new int[1 << layout[chunk]];
        }
    }

    /// <summary>Number of chunks (and tables) the hashes are cut into.</summary>
    public int ChunkCount => chunkWidths.Length;

    /// <summary>Builds an index of many entries at once, each bucket allocated at its final size.</summary>
    public static PdqIndex Build(IReadOnlyList<(long Id, PdqHash Hash)> entries) =>
        Build(entries, entries.Count >= LargeLayoutThreshold ? LargeLayout : SmallLayout);

    internal static PdqIndex Build(IReadOnlyList<(long Id, PdqHash Hash)> entries, int[] layout)
    {
        var index = new PdqIndex(entries.Count, layout);
        for (var slot = 0; slot < entries.Count; slot++)
        {
            index.hashes[slot] = entries[slot].Hash;
            index.ids[slot] = entries[slot].Id;
        }

        index.slotsUsed = entries.Count;
        for (var chunk = 0; chunk < layout.Length; chunk++)
        {
            var bucketCounts = index.counts[chunk];
            for (var slot = 0; slot < entries.Count; slot++)
            {
                bucketCounts[index.ChunkOf(index.hashes[slot], chunk)]++;
            }

            var table = index.tables[chunk];
            for (var value = 0; value < table.Length; value++)
            {
                if (bucketCounts[value] > 0)
                {
                    table[value] = new int[bucketCounts[value]];
                    bucketCounts[value] = 0;
                }
            }

            for (var slot = 0; slot < entries.Count; slot++)
            {
                var value = index.ChunkOf(index.hashes[slot], chunk);
                table[value][bucketCounts[value]++] = slot;
            }
        }

        return index;
    }

    /// <summary>Number of (id, hash) entries.</summary>
    public int Count
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                return slotsUsed - freeSlots.Count;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    /// <summary>Adds the entry; false when this exact (id, hash) pair is already in the index.</summary>
    public bool Add(long id, PdqHash hash)
    {
        gate.EnterWriteLock();
        try
        {
            if (FindSlot(id, hash) >= 0)
            {
                return false;
            }

            int slot;
            if (freeSlots.Count > 0)
            {
                slot = freeSlots.Pop();
            }
            else
            {
                if (slotsUsed == hashes.Length)
                {
                    var grown = (int)Math.Min(Array.MaxLength, hashes.Length * 2L);
                    Array.Resize(ref hashes, grown);
                    Array.Resize(ref ids, grown);
                }

                slot = slotsUsed++;
            }

            hashes[slot] = hash;
            ids[slot] = id;
            for (var chunk = 0; chunk < tables.Length; chunk++)
            {
                var value = ChunkOf(hash, chunk);
                ref var bucket = ref tables[chunk][value];
                var count = counts[chunk][value];
                if (bucket is null || bucket.Length == count)
                {
                    Array.Resize(ref bucket, Math.Max(4, count * 2));
                }

                bucket[count] = slot;
                counts[chunk][value] = count + 1;
            }

            return true;
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Removes the entry; false when the index holds no such (id, hash) pair.</summary>
    public bool Remove(long id, PdqHash hash)
    {
        gate.EnterWriteLock();
        try
        {
            var slot = FindSlot(id, hash);
            if (slot < 0)
            {
                return false;
            }

            for (var chunk = 0; chunk < tables.Length; chunk++)
            {
                var value = ChunkOf(hash, chunk);
                var bucket = tables[chunk][value];
                var count = counts[chunk][value];
                var position = Array.IndexOf(bucket, slot, 0, count);
                bucket[position] = bucket[count - 1];
                counts[chunk][value] = count - 1;
            }

            hashes[slot] = default;
            ids[slot] = 0;
            freeSlots.Push(slot);
            return true;
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Every id with a hash within <paramref name="maxDistance"/> bits of <paramref name="hash"/>, each once with its smallest distance, nearest first.</summary>
    public IReadOnlyList<PdqMatch> Query(PdqHash hash, int maxDistance = PdqHash.DefaultMatchDistance)
    {
        CheckDistance(maxDistance);
        var best = new Dictionary<long, PdqMatch>();
        gate.EnterReadLock();
        try
        {
            Collect(hash, maxDistance, PdqDihedral.Original, best);
        }
        finally
        {
            gate.ExitReadLock();
        }

        return Sorted(best);
    }

    /// <summary>
    /// Every id within <paramref name="maxDistance"/> bits of any of a picture's orientations (its hashes indexed by
    /// <see cref="PdqDihedral"/>, up to eight), to find rotated and mirrored copies; each id once, with its smallest
    /// distance and the orientation that gave it.
    /// </summary>
    public IReadOnlyList<PdqMatch> Query(IReadOnlyList<PdqHash> orientations, int maxDistance = PdqHash.DefaultMatchDistance)
    {
        ArgumentNullException.ThrowIfNull(orientations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orientations.Count, 8, nameof(orientations));
        CheckDistance(maxDistance);
        var best = new Dictionary<long, PdqMatch>();
        gate.EnterReadLock();
        try
        {
            for (var i = 0; i < orientations.Count; i++)
            {
                Collect(orientations[i], maxDistance, (PdqDihedral)i, best);
            }
        }
        finally
        {
            gate.ExitReadLock();
        }

        return Sorted(best);
    }

    /// <summary>Matches a picture in all eight orientations (see <see cref="Query(IReadOnlyList{PdqHash}, int)"/>).</summary>
    public IReadOnlyList<PdqMatch> Query(PdqDihedralResult dihedrals, int maxDistance = PdqHash.DefaultMatchDistance)
    {
        ArgumentNullException.ThrowIfNull(dihedrals);
        return Query(dihedrals.Hashes, maxDistance);
    }

    public void Dispose() => gate.Dispose();

    private static void CheckDistance(int maxDistance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDistance, PdqHash.Bits);
    }

    private void Collect(PdqHash query, int maxDistance, PdqDihedral orientation, Dictionary<long, PdqMatch> best)
    {
        // maxDistance = m·r' + a: the first a + 1 chunks are probed within r' bits, the others within r' - 1.
        var chunks = tables.Length;
        var wide = maxDistance / chunks;
        var widened = maxDistance - wide * chunks;
        ref var hashStart = ref MemoryMarshal.GetArrayDataReference(hashes);
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            var radius = chunk <= widened ? wide : wide - 1;
            if (radius < 0)
            {
                break;
            }

            var table = tables[chunk];
            var tableCounts = counts[chunk];
            var queryValue = ChunkOf(query, chunk);
            foreach (var mask in Masks(chunkWidths[chunk], radius))
            {
                var value = (int)(queryValue ^ mask);
                var count = tableCounts[value];
                if (count == 0)
                {
                    continue;
                }

                var bucket = table[value];
                for (var i = 0; i < count; i++)
                {
                    var slot = bucket[i];
                    var distance = Unsafe.Add(ref hashStart, slot).Distance(query);
                    if (distance > maxDistance)
                    {
                        continue;
                    }

                    // A hash near the query is usually reached through several chunks; it counts once.
                    var id = ids[slot];
                    if (!best.TryGetValue(id, out var previous) || distance < previous.Distance)
                    {
                        best[id] = new PdqMatch(id, distance, orientation);
                    }
                }
            }
        }
    }

    /// <summary>Every <paramref name="width"/>-bit mask with at most <paramref name="bits"/> bits set (Gosper's hack per weight).</summary>
    private static uint[] Masks(int width, int bits) => MaskCache.GetOrAdd((width, Math.Min(bits, width)), static key =>
    {
        var masks = new List<uint>();
        var limit = 1UL << key.Width;
        for (var weight = 0; weight <= key.Bits; weight++)
        {
            for (var mask = (1UL << weight) - 1; mask < limit;)
            {
                masks.Add((uint)mask);
                if (mask == 0)
                {
                    break;
                }

                var lowest = mask & (~mask + 1);
                var ripple = mask + lowest;
                mask = (((ripple ^ mask) >> 2) / lowest) | ripple;
            }
        }

        return [.. masks];
    });

    private int FindSlot(long id, PdqHash hash)
    {
        var value = ChunkOf(hash, 0);
        var bucket = tables[0][value];
        var count = counts[0][value];
        for (var i = 0; i < count; i++)
        {
            var slot = bucket[i];
            if (ids[slot] == id && hashes[slot] == hash)
            {
                return slot;
            }
        }

        return -1;
    }

    private static List<PdqMatch> Sorted(Dictionary<long, PdqMatch> best)
    {
        var matches = best.Values.ToList();
        matches.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        return matches;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ChunkOf(PdqHash hash, int chunk)
    {
        var start = chunkStarts[chunk];
        var width = chunkWidths[chunk];
        var shift = start & 63;
        var value = hash.GetWord(start >> 6) >> shift;
        if (shift + width > 64)
        {
            value |= hash.GetWord((start >> 6) + 1) << (64 - shift);
        }

        return (uint)(value & ((1UL << width) - 1));
    }
}
