using System.Text.Json;
using Moderation.Testing;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The alternative users would pick: nsfwjs in Node on the same frames, with TensorFlow.js's pure-JS CPU backend and its
/// WASM backend (the fastest that installs here; tfjs-node needs a native download).
/// </summary>
internal static class NsfwjsBenchmark
{
    public sealed record Result(string Backend, int Images, double Seconds, double ImagesPerSecond, double P50Ms, double P95Ms, double P99Ms);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string NodeDirectory => Path.Combine(RepoPaths.Root, "tools", "model-import", "node");

    public static async Task<Result> RunAsync(string backend, string imageList, string model, TimeSpan budget)
    {
        await EnsureInstalledAsync();
        var script = Path.Combine(RepoPaths.Root, "bench", "Moderation.Bench", "Classifier", "nsfwjs-bench.mjs");
        var output = await ProcessRunner.RunAsync("node",
            [script, "--backend", backend, "--images", imageList, "--model", model, "--seconds", ((int)budget.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            budget * 3 + TimeSpan.FromMinutes(3));
        var json = output.Split('\n').Last(line => line.TrimStart().StartsWith('{'));
        return JsonSerializer.Deserialize<Result>(json, Json)
            ?? throw new InvalidOperationException($"nsfwjs printed no result: {output}");
    }

    private static async Task EnsureInstalledAsync()
    {
        if (!Directory.Exists(Path.Combine(NodeDirectory, "node_modules", "nsfwjs")))
        {
            await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10), NodeDirectory);
        }
    }
}
