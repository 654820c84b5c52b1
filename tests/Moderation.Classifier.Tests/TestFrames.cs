using Moderation.Testing;

namespace Moderation.Classifier.Tests;

/// <summary>SFW 224×224 JPEG frames made the way the extractor makes them: ffmpeg scales straight to the model size.</summary>
internal static class TestFrames
{
    private static readonly string[] Patterns =
    [
        "testsrc2=size=224x224", "smptebars=size=224x224", "rgbtestsrc=size=224x224", "mandelbrot=size=224x224",
        "testsrc=size=224x224", "smptehdbars=size=224x224", "color=c=steelblue:size=224x224", "cellauto=size=224x224",
    ];

    public static int DistinctPatterns => Patterns.Length;

    /// <summary><paramref name="count"/> frames cycling through ffmpeg's test patterns.</summary>
    public static async Task<IReadOnlyList<byte[]>> PatternsAsync(int count)
    {
        var distinct = new List<byte[]>();
        foreach (var pattern in Patterns)
        {
            var path = await TestMedia.GenerateAsync("jpg", "-f", "lavfi", "-i", pattern, "-frames:v", "1", "-q:v", "3");
            distinct.Add(await File.ReadAllBytesAsync(path));
        }

        return Enumerable.Range(0, count).Select(i => distinct[i % distinct.Count]).ToList();
    }
}
