using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Moderation.Pdq;

/// <summary>A hash found within the asked distance: the id it was added with and how many bits it differs by.</summary>
/// <param name="Orientation">Which of the query's dihedral hashes matched (always <see cref="PdqDihedral.Original"/> for a single-hash query).</param>
public readonly record struct PdqMatch(long Id, int Distance, PdqDihedral Orientation = PdqDihedral.Original);

/// <summary>
/// An exact index for Hamming-radius queries over PDQ hashes (multi-index hashing, Norouzi et al.): the 256 bits are cut
/// into 16 chunks of 16 bits, each with its own table of the entries holding each chunk value. Two hashes within
/// distance r differ by at most ⌊r / 16⌋ bits in at least one chunk (pigeonhole), so a query probes, in every table,
/// the buckets within that many bits of its own chunk (17 buckets per table for Meta's distance 31) and checks each
/// candidate with a full 256-bit popcount. Results are exactly a linear scan's.
/// </summary>
/// <remarks>
/// Entries are (id, hash) pairs: an id may carry several hashes (a video's frames), and a query reports each id once,
/// with its smallest distance. Memory is about 110 bytes per entry (the hash, the id, and one 4-byte slot in each of the
/// 16 tables). Queries may run concurrently with each other and with <see cref="Add"/> and <see cref="Remove"/>.
/// </remarks>
public sealed class PdqIndex : IDisposable
{
    private const int Chunks = 16;
    private const int ChunkBits = 16;
    private const int Buckets = 1 << ChunkBits;

    /// <summary>Chunk masks grouped by how many bits they flip: XOR a chunk with these to reach its neighbours.</summary>
    private static readonly ushort[] MasksByWeight = BuildMasksByWeight();

    /// <summary>How many entries of <see cref="MasksByWeight"/> flip at most w bits, by w.</summary>
    private static readonly int[] MaskCountUpToWeight = BuildMaskCounts();

    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);

    // Slot-indexed entry storage; a removed slot goes on the free list.
    private PdqHash[] hashes;
    private long[] ids;
    private int slotsUsed;
    private readonly Stack<int> freeSlots = new();

    // tables[chunk][value] holds the slots whose hash has that chunk value; counts[chunk][value] how many are in use.
    private readonly int[][][] tables;
    private readonly int[][] counts;

    public PdqIndex()
        : this(0)
    {
    }

    /// <summary>An empty index with room for <paramref name="capacity"/> entries before its entry arrays grow.</summary>
    public PdqIndex(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        hashes = new PdqHash[Math.Max(capacity, 16)];
        ids = new long[hashes.Length];
        tables = new int[Chunks][][];
        counts = new int[Chunks][];
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            tables[chunk] = new int[Buckets][];
            counts[chunk] = new int[Buckets];
        }
    }

    /// <summary>Builds an index of many entries at once, each bucket allocated at its final size.</summary>
    public static PdqIndex Build(IReadOnlyList<(long Id, PdqHash Hash)> entries)
    {
        var index = new PdqIndex(entries.Count);
        for (var slot = 0; slot < entries.Count; slot++)
        {
            index.hashes[slot] = entries[slot].Hash;
            index.ids[slot] = entries[slot].Id;
        }

        index.slotsUsed = entries.Count;
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var bucketCounts = index.counts[chunk];
            for (var slot = 0; slot < entries.Count; slot++)
            {
                bucketCounts[ChunkOf(index.hashes[slot], chunk)]++;
            }

            var table = index.tables[chunk];
            for (var value = 0; value < Buckets; value++)
            {
                if (bucketCounts[value] > 0)
                {
                    table[value] = new int[bucketCounts[value]];
                    bucketCounts[value] = 0;
                }
            }

            for (var slot = 0; slot < entries.Count; slot++)
            {
                var value = ChunkOf(index.hashes[slot], chunk);
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
            for (var chunk = 0; chunk < Chunks; chunk++)
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

            for (var chunk = 0; chunk < Chunks; chunk++)
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
        // Some chunk of every hash within maxDistance lies within chunkRadius bits of the query's (pigeonhole). A hash is
        // counted at the first chunk where that holds, so one seen again through a later chunk is skipped.
        var chunkRadius = maxDistance / Chunks;
        var masks = MasksByWeight.AsSpan(0, MaskCountUpToWeight[Math.Min(chunkRadius, ChunkBits)]);
        ref var hashStart = ref MemoryMarshal.GetArrayDataReference(hashes);
        Span<ushort> queryChunks = stackalloc ushort[Chunks];
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            queryChunks[chunk] = ChunkOf(query, chunk);
        }

        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var table = tables[chunk];
            var tableCounts = counts[chunk];
            foreach (var mask in masks)
            {
                var value = queryChunks[chunk] ^ mask;
                var count = tableCounts[value];
                if (count == 0)
                {
                    continue;
                }

                var bucket = table[value];
                for (var i = 0; i < count; i++)
                {
                    var slot = bucket[i];
                    var candidate = Unsafe.Add(ref hashStart, slot);
                    var distance = candidate.Distance(query);
                    if (distance > maxDistance || FoundInEarlierChunk(candidate, queryChunks, chunk, chunkRadius))
                    {
                        continue;
                    }

                    var id = ids[slot];
                    if (!best.TryGetValue(id, out var previous) || distance < previous.Distance)
                    {
                        best[id] = new PdqMatch(id, distance, orientation);
                    }
                }
            }
        }
    }

    private static bool FoundInEarlierChunk(PdqHash candidate, ReadOnlySpan<ushort> queryChunks, int chunk, int chunkRadius)
    {
        for (var earlier = 0; earlier < chunk; earlier++)
        {
            if (BitOperations.PopCount((uint)(ChunkOf(candidate, earlier) ^ queryChunks[earlier])) <= chunkRadius)
            {
                return true;
            }
        }

        return false;
    }

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
    private static ushort ChunkOf(PdqHash hash, int chunk) => (ushort)(hash.GetWord(chunk >> 2) >> ((chunk & 3) << 4));

    private static ushort[] BuildMasksByWeight() =>
        [.. Enumerable.Range(0, Buckets).OrderBy(mask => BitOperations.PopCount((uint)mask)).ThenBy(mask => mask).Select(mask => (ushort)mask)];

    private static int[] BuildMaskCounts()
    {
        var countUpTo = new int[ChunkBits + 1];
        for (var weight = 0; weight <= ChunkBits; weight++)
        {
            countUpTo[weight] = Enumerable.Range(0, Buckets).Count(mask => BitOperations.PopCount((uint)mask) <= weight);
        }

        return countUpTo;
    }
}
