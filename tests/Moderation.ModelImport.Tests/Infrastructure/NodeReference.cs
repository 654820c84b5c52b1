using Moderation.ModelImport.Source;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>Runs tools/model-import/node/reference.mjs, nsfwjs on TensorFlow.js, the oracle of these tests.</summary>
internal static class NodeReference
{
    public static async Task<string> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var directory = TestPaths.RequireNodeModules();
        using var cancellation = new CancellationTokenSource(timeout);
        return await ExternalProcess.RunAsync("node", ["reference.mjs", .. arguments], directory, cancellation.Token);
    }

    public static void WriteFloats(string path, ReadOnlySpan<float> values) =>
        File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    public static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }
}
