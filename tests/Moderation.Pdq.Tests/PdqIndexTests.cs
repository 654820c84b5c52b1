namespace Moderation.Pdq.Tests;

public sealed class PdqIndexTests
{
    [Theory]
    [InlineData(1, 31)]
    [InlineData(2, 31)]
    [InlineData(3, 0)]
    [InlineData(4, 10)]
    [InlineData(5, 16)]
    [InlineData(6, 32)]
    [InlineData(7, 47)]
    [InlineData(8, 25)]
    public void Queries_find_exactly_what_a_linear_scan_finds(int seed, int maxDistance)
    {
        var random = new Random(seed);
        var entries = RandomEntries(random, 20_000);
        var queries = Enumerable.Range(0, 40).Select(_ => RandomHash(random)).ToList();
        var nextId = 1_000_000L;
        foreach (var query in queries)
        {
            foreach (var distance in new[] { 0, 1, 2, 5, 8, 15, 16, 17, 24, 25, 26, 30, 31, 32, 33, 40, 47, 48 })
            {
                entries.Add((nextId++, Flip(random, query, distance)));
            }

            // The pigeonhole's edges, for both layouts: 31 bits spread so that a single chunk is close enough to be
            // probed, and 32 bits with no chunk close enough.
            int[][] small =
            [
                [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
                [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1],
                [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
            ];
            int[][] large =
            [
                [3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1],
                [3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2],
                [3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2],
            ];
            foreach (var flips in small)
            {
                entries.Add((nextId++, SpreadFlips(random, query, PdqIndex.SmallLayout, flips)));
            }

            foreach (var flips in large)
            {
                entries.Add((nextId++, SpreadFlips(random, query, PdqIndex.LargeLayout, flips)));
            }
        }

        using var small16 = PdqIndex.Build(entries, PdqIndex.SmallLayout);
        using var large13 = PdqIndex.Build(entries, PdqIndex.LargeLayout);
        using var added = new PdqIndex();
        foreach (var (id, hash) in entries)
        {
            Assert.True(added.Add(id, hash));
        }

        Assert.Equal((16, 13, 16), (small16.ChunkCount, large13.ChunkCount, added.ChunkCount));
        var found = 0;
        foreach (var query in queries.Concat(entries.Take(20).Select(e => e.Hash)))
        {
            var expected = BruteForce(entries, query, maxDistance);
            Assert.Equal(expected, small16.Query(query, maxDistance));
            Assert.Equal(expected, large13.Query(query, maxDistance));
            Assert.Equal(expected, added.Query(query, maxDistance));
            found += expected.Count;
        }

        Assert.True(found >= queries.Count, $"only {found} matches: the planted neighbours are not being exercised");
    }

    [Fact]
    public void Removed_entries_are_no_longer_found_and_freed_slots_are_reused()
    {
        var random = new Random(11);
        var entries = RandomEntries(random, 5_000);
        using var index = PdqIndex.Build(entries);
        var query = entries[100].Hash;
        var near = Flip(random, query, 12);
        Assert.True(index.Add(900_001, near));
        Assert.False(index.Add(900_001, near));
        Assert.Equal([new PdqMatch(100, 0), new PdqMatch(900_001, 12)], index.Query(query));

        Assert.True(index.Remove(900_001, near));
        Assert.False(index.Remove(900_001, near));
        Assert.True(index.Remove(100, entries[100].Hash));
        Assert.Empty(index.Query(query));
        Assert.Equal(entries.Count - 1, index.Count);

        var remaining = entries.Where(e => e.Id != 100).ToList();
        var close = Flip(random, query, 3);
        Assert.True(index.Add(900_002, close));
        remaining.Add((900_002, close));
        Assert.Equal(remaining.Count, index.Count);
        foreach (var probe in remaining.Take(50).Select(e => e.Hash).Append(query))
        {
            Assert.Equal(BruteForce(remaining, probe, 31), index.Query(probe));
        }
    }

    [Fact]
    public void An_id_with_several_hashes_is_reported_once_with_its_nearest()
    {
        var random = new Random(5);
        var query = RandomHash(random);
        using var index = new PdqIndex();
        index.Add(1, Flip(random, query, 20));
        index.Add(1, Flip(random, query, 6));
        index.Add(2, Flip(random, query, 9));

        Assert.Equal([new PdqMatch(1, 6), new PdqMatch(2, 9)], index.Query(query));
    }

    [Fact]
    public async Task A_mirrored_copy_of_a_banked_picture_is_found_through_its_dihedral_hashes()
    {
        var png = await Moderation.Testing.TestMedia.GenerateAsync("png", "-f", "lavfi", "-i", "testsrc2=size=360x300", "-frames:v", "1");
        var mirrored = await Moderation.Testing.TestMedia.GenerateAsync("png", "-i", png, "-vf", "hflip");
        using var index = PdqIndex.Build([(1, PdqHasher.Hash(await File.ReadAllBytesAsync(png)).Hash)]);

        var query = PdqHasher.HashWithDihedrals(await File.ReadAllBytesAsync(mirrored));

        Assert.Empty(index.Query(query.Original));
        var match = Assert.Single(index.Query(query));
        Assert.Equal(1, match.Id);
        Assert.Equal(PdqDihedral.FlipY, match.Orientation);
        Assert.InRange(match.Distance, 0, 8);
    }

    internal static List<(long Id, PdqHash Hash)> RandomEntries(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(i => ((long)i, RandomHash(random)))];

    internal static PdqHash RandomHash(Random random) =>
        new((ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63),
            (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63));

    /// <summary>The hash with <paramref name="distance"/> distinct random bits flipped.</summary>
    internal static PdqHash Flip(Random random, PdqHash hash, int distance)
    {
        var bits = Enumerable.Range(0, PdqHash.Bits).ToArray();
        random.Shuffle(bits);
        foreach (var bit in bits.AsSpan(0, distance))
        {
            hash = hash.FlipBit(bit);
        }

        return hash;
    }

    /// <summary>The hash with flips[c] distinct random bits flipped in chunk c of the layout (chunk widths in order).</summary>
    private static PdqHash SpreadFlips(Random random, PdqHash hash, int[] layout, int[] flips)
    {
        for (int chunk = 0, start = 0; chunk < flips.Length; start += layout[chunk], chunk++)
        {
            var bits = Enumerable.Range(start, layout[chunk]).ToArray();
            random.Shuffle(bits);
            foreach (var bit in bits.AsSpan(0, flips[chunk]))
            {
                hash = hash.FlipBit(bit);
            }
        }

        return hash;
    }

    internal static List<PdqMatch> BruteForce(IEnumerable<(long Id, PdqHash Hash)> entries, PdqHash query, int maxDistance) =>
        [.. entries
            .Select(e => new PdqMatch(e.Id, e.Hash.Distance(query)))
            .Where(m => m.Distance <= maxDistance)
            .GroupBy(m => m.Id)
            .Select(g => g.MinBy(m => m.Distance))
            .OrderBy(m => m.Distance)
            .ThenBy(m => m.Id)];
}
