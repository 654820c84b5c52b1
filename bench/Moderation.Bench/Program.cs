using Moderation.Bench.Classifier;

// One subcommand per benchmark: dotnet run -c Release --project bench/Moderation.Bench -- <command> [options]
var commands = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["classifier"] = ClassifierBenchmark.RunAsync,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"usage: Moderation.Bench <{string.Join('|', commands.Keys)}> [options]");
    return 2;
}

return await command(args[1..]);
