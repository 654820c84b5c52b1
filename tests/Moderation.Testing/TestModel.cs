namespace Moderation.Testing;

/// <summary>The real converted nsfwjs models (built by scripts/model when missing, cached under the model directory).</summary>
public static class TestModel
{
    private static readonly SemaphoreSlim BuildLock = new(1, 1);

    /// <summary><c>MODERATION_MODEL_DIR</c>, else .data/models in the repository.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Data, "models");

    /// <summary>Path of the model.json of <paramref name="model"/> (mobilenet_v2 or inception_v3), building it if needed.</summary>
    public static async Task<string> ManifestPathAsync(string model = "mobilenet_v2")
    {
        var manifest = Path.Combine(Directory, model, "model.json");
        if (File.Exists(manifest))
        {
            return manifest;
        }

        await BuildLock.WaitAsync();
        try
        {
            if (!File.Exists(manifest))
            {
                await ProcessRunner.RunAsync("flock", ["-o", Path.Combine(RepoPaths.Data, "models.lock"), Path.Combine(RepoPaths.Root, "scripts", "model"), model], TimeSpan.FromMinutes(15));
            }
        }
        finally
        {
            BuildLock.Release();
        }

        return File.Exists(manifest) ? manifest : throw new FileNotFoundException($"scripts/model did not produce {manifest}.");
    }
}
