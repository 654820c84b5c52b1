using Moderation.Bench;
using Moderation.ServiceDefaults;

// One subcommand per benchmark: dotnet run -c Release --project bench/Moderation.Bench -- <benchmark> [options] (--help on each).
return await ServiceCommandLine.InvokeAsync(BenchCommandLine.Create(Benchmarks.Real), args);
