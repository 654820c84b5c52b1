using System.Diagnostics;
using Moderation.Pdq;

namespace Moderation.Bench.Pdq;

/// <summary>
/// The PDQ matching index at bank scale: --hashes random 256-bit hashes, among them, for each of --queries query hashes,
/// neighbours planted at known distances (0 to 31 bits must be found, 32 and 40 must not). Reports build time, managed
/// memory, single-thread lookups per second at Meta's distance 31 (plain, and with a picture's eight dihedral hashes),
/// add/remove throughput, and, on --sample lookups, whether the results are identical to a linear scan.
/// <code>dotnet run -c Release --project bench/Moderation.Bench -- pdq-index [--hashes 10000000] [--queries 2000] [--sample 100] [--seed 1]</code>
/// </summary>
public static class PdqIndexBenchmark
{
    private const int MaxDistance = PdqHash.DefaultMatchDistance;
    private static readonly int[] PlantedDistances = [0, 4, 8, 16, 24, 31, 32, 40];

    public static Task<int> RunAsync(PdqIndexSettings settings)
    {
        var (count, queryCount, sampleCount, seed) = settings;
        var random = new Random(seed);
        Console.WriteLine($"{count:N0} hashes, {queryCount:N0} lookups with {PlantedDistances.Length} neighbours planted at {string.Join('/', PlantedDistances)} bits, "
            + $"distance <= {MaxDistance}; {Environment.ProcessorCount} cores, one used for lookups");

        var queries = new PdqHash[queryCount];
        var entries = new (long Id, PdqHash Hash)[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = (i, RandomHash(random));
        }

        // Planted neighbours replace random entries, spread over the whole id range.
        var planted = new Dictionary<long, (int Query, int Distance)>();
        var stride = count / (queryCount * PlantedDistances.Length);
        var next = 0L;
        for (var q = 0; q < queryCount; q++)
        {
            queries[q] = RandomHash(random);
            foreach (var distance in PlantedDistances)
            {
                entries[next] = (next, Flip(random, queries[q], distance));
                planted[next] = (q, distance);
                next += Math.Max(1, stride);
            }
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        using var index = PdqIndex.Build(entries);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"build: {buildSeconds:0.0} s; index memory {indexBytes / 1e6:N0} MB managed ({(double)indexBytes / count:0} bytes per hash, the hashes and ids included); "
            + $"process working set {Environment.WorkingSet / 1e6:N0} MB");

        // Warm the code paths, then time lookups on this one thread.
        for (var q = 0; q < Math.Min(20, queryCount); q++)
        {
            index.Query(queries[q], MaxDistance);
        }

        var found = 0;
        var missed = 0;
        var wrong = 0;
        var (plainWall, plainCpu) = Time(() =>
        {
            for (var q = 0; q < queryCount; q++)
            {
                var matches = index.Query(queries[q], MaxDistance);
                var plantedMatches = matches.Count(m => planted.TryGetValue(m.Id, out var p) && p.Query == q);
                var expected = PlantedDistances.Count(d => d <= MaxDistance);
                found += plantedMatches;
                missed += expected - plantedMatches;
                wrong += matches.Count(m => m.Distance > MaxDistance);
            }
        });
        var dihedralQueries = Math.Max(10, queryCount / 8);
        var dihedrals = Enumerable.Range(0, dihedralQueries).Select(_ => (IReadOnlyList<PdqHash>)[.. Enumerable.Range(0, 8).Select(_ => RandomHash(random))]).ToList();
        var (dihedralWall, dihedralCpu) = Time(() =>
        {
            foreach (var orientations in dihedrals)
            {
                index.Query(orientations, MaxDistance);
            }
        });

        Console.WriteLine($"lookups (one thread): {queryCount / plainWall:N0}/s wall, {queryCount / plainCpu:N0}/s per CPU-second "
            + $"({plainWall / queryCount * 1e3:0.000} ms each); planted neighbours within {MaxDistance}: {found:N0} found, {missed} missed; {wrong} results beyond the distance");
        Console.WriteLine($"8-orientation lookups (a picture and its rotations/mirrors): {dihedralQueries / dihedralWall:N0}/s wall, {dihedralQueries / dihedralCpu:N0}/s per CPU-second");

        // Writes: add and remove a batch of fresh hashes.
        var batch = Enumerable.Range(0, 100_000).Select(i => (Id: (long)count + i, Hash: RandomHash(random))).ToList();
        clock.Restart();
        foreach (var (id, hash) in batch)
        {
            index.Add(id, hash);
        }

        var addSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        foreach (var (id, hash) in batch)
        {
            index.Remove(id, hash);
        }

        Console.WriteLine($"writes: {batch.Count / addSeconds:N0} adds/s, {batch.Count / clock.Elapsed.TotalSeconds:N0} removes/s");

        // Exactness: the index's answers against a linear scan over every hash, on planted and on random queries.
        var identical = 0;
        var scanFound = 0;
        var indexFound = 0;
        var samples = Enumerable.Range(0, sampleCount).Select(i => i % 2 == 0 ? queries[i / 2 % queryCount] : entries[random.Next(count)].Hash).ToList();
        clock.Restart();
        foreach (var query in samples)
        {
            var expected = LinearScan(entries, query);
            var actual = index.Query(query, MaxDistance);
            scanFound += expected.Count;
            indexFound += actual.Count(expected.Contains);
            identical += expected.SequenceEqual(actual) ? 1 : 0;
        }

        var scanMs = clock.Elapsed.TotalMilliseconds / samples.Count;
        var recall = scanFound == 0 ? 1 : (double)indexFound / scanFound;
        Console.WriteLine($"vs linear scan ({scanMs:0} ms a lookup) on {samples.Count} lookups: {identical} identical, recall {recall:P2} ({indexFound}/{scanFound} matches)");

        var perCore = queryCount / plainCpu;
        var ok = identical == samples.Count && missed == 0 && wrong == 0 && perCore >= 1000;
        Console.WriteLine(ok ? "PASS: exact, >= 1,000 lookups/s per core" : "FAIL");
        return Task.FromResult(ok ? 0 : 1);
    }

    private static (double Wall, double Cpu) Time(Action action)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        var wall = clock.Elapsed.TotalSeconds;
        return (wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    private static List<PdqMatch> LinearScan((long Id, PdqHash Hash)[] entries, PdqHash query)
    {
        var matches = new List<PdqMatch>();
        foreach (var (id, hash) in entries)
        {
            var distance = hash.Distance(query);
            if (distance <= MaxDistance)
            {
                matches.Add(new PdqMatch(id, distance));
            }
        }

        matches.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        return matches;
    }

    private static PdqHash RandomHash(Random random) =>
        new(NextUInt64(random), NextUInt64(random), NextUInt64(random), NextUInt64(random));

    private static ulong NextUInt64(Random random) => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);

    private static PdqHash Flip(Random random, PdqHash hash, int distance)
    {
        Span<int> bits = stackalloc int[PdqHash.Bits];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = i;
        }

        random.Shuffle(bits);
        foreach (var bit in bits[..distance])
        {
            hash = hash.FlipBit(bit);
        }

        return hash;
    }
}
