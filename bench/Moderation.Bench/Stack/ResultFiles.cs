using System.Text.Json;
using System.Text.Json.Serialization;
using Moderation.Testing;

namespace Moderation.Bench.Stack;

/// <summary>A run's report as <c>bench/results/&lt;name&gt;-&lt;UTC time&gt;.md</c> (the printed tables) and <c>.json</c> (the raw numbers).</summary>
internal static class ResultFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Save<T>(string name, DateTime finishedAt, T report, string markdown)
    {
        var directory = Path.Combine(RepoPaths.Root, "bench", "results");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}-{finishedAt:yyyyMMdd-HHmmss}");
        File.WriteAllText(path + ".md", markdown);
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(report, Json));
        Console.WriteLine($"written: {path}.md, {path}.json");
    }
}
