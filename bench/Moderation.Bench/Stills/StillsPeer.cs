using System.Text.Json;
using Moderation.Testing;

namespace Moderation.Bench.Stills;

/// <summary>
/// The peer: <c>Peer/peer.mjs</c> (sharp + onnxruntime-node, versions pinned in <c>Peer/package.json</c> and its lock
/// file), installed with <c>npm ci</c> into <c>.cache/bench/peer</c> and run over a list of pictures.
/// </summary>
internal static class StillsPeer
{
    public sealed record Result(int Images, double Seconds, double ImagesPerSecond, double CpuMsPerImage);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Source => Path.Combine(RepoPaths.Root, "bench", "Moderation.Bench", "Peer");

    private static string Scratch => Path.Combine(RepoPaths.Root, ".cache", "bench", "peer");

    public static async Task<Result> RunAsync(string manifest, IReadOnlyList<string> images)
    {
        await EnsureInstalledAsync();
        var list = Path.Combine(Scratch, "images.txt");
        await File.WriteAllLinesAsync(list, images);
        var output = await ProcessRunner.RunAsync("node", [Path.Combine(Scratch, "peer.mjs"), manifest, list], TimeSpan.FromMinutes(30), Scratch);
        var json = output.Split('\n').Last(line => line.TrimStart().StartsWith('{'));
        return JsonSerializer.Deserialize<Result>(json, Json) ?? throw new InvalidOperationException($"The peer printed no result: {output}");
    }

    private static async Task EnsureInstalledAsync()
    {
        Directory.CreateDirectory(Scratch);
        var lockFile = Path.Combine(Source, "package-lock.json");
        var installedLock = Path.Combine(Scratch, "package-lock.json");
        var upToDate = File.Exists(installedLock) && Directory.Exists(Path.Combine(Scratch, "node_modules", "onnxruntime-node"))
            && (await File.ReadAllTextAsync(installedLock)) == (await File.ReadAllTextAsync(lockFile));
        foreach (var file in new[] { "package.json", "package-lock.json", "peer.mjs" })
        {
            File.Copy(Path.Combine(Source, file), Path.Combine(Scratch, file), overwrite: true);
        }

        if (!upToDate)
        {
            Console.WriteLine($"installing the peer (sharp, onnxruntime-node) into {Scratch}…");
            await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10), Scratch);
        }
    }
}
