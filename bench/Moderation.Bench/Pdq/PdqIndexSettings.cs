using System.CommandLine;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Pdq;

/// <summary>The <c>pdq-index</c> benchmark's command line.</summary>
public sealed record PdqIndexSettings(int Hashes, int Queries, int Sample, int Seed)
{
    public static Command CreateCommand(Func<PdqIndexSettings, Task<int>> run)
    {
        var hashes = new Option<int>("--hashes") { Description = "Hashes in the index (random, with the planted neighbours among them).", DefaultValueFactory = _ => 10_000_000 }
            .InRange(10_000, 50_000_000);
        var queries = new Option<int>("--queries") { Description = "Timed lookups, each with neighbours planted at known distances.", DefaultValueFactory = _ => 2_000 }
            .InRange(10, 100_000);
        var sample = new Option<int>("--sample") { Description = "Lookups also answered by a linear scan, whose results must be identical.", DefaultValueFactory = _ => 100 }
            .InRange(1, 10_000);
        var seed = new Option<int>("--seed") { Description = "Seed of the random hashes.", DefaultValueFactory = _ => 1 };
        var command = new Command("pdq-index", "PDQ matching index: build time, memory, single-thread lookups/s at distance 31 and agreement with a linear scan.")
        {
            hashes, queries, sample, seed,
        };
        command.SetAction(result => run(new PdqIndexSettings(result.GetValue(hashes), result.GetValue(queries), result.GetValue(sample), result.GetValue(seed))));
        return command;
    }
}
