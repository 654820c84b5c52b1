using Moderation.Testing;

namespace Moderation.Pdq.Tests;

/// <summary>
/// Agreement with Meta's reference hasher on the recorded vectors (tests/Moderation.Pdq.Tests/Vectors): each picture is
/// generated again with ffmpeg and hashed here. The bar is at most 4 differing bits and a quality within ±5; on
/// the machine the vectors were recorded on the hashes are identical.
/// </summary>
public sealed class ReferenceVectorTests
{
    public const int MaxDistance = 4;
    public const int MaxQualityDelta = 5;

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var vector in PdqReferenceVectors.Load())
        {
            names.Add(vector.Name);
        }

        return names;
    }

    [Fact]
    public void The_vectors_cover_shrunk_upsampled_small_grey_transparent_and_flat_pictures()
    {
        var vectors = PdqReferenceVectors.Load();

        Assert.True(vectors.Count >= 30, $"{vectors.Count} vectors");
        Assert.Contains(vectors, v => v.Name.Contains("1920x1080", StringComparison.Ordinal));
        Assert.Contains(vectors, v => v.Name.Contains("600x300", StringComparison.Ordinal));
        Assert.Contains(vectors, v => v.Name.Contains("64x64", StringComparison.Ordinal));
        Assert.Contains(vectors, v => v.Name.EndsWith("-gray", StringComparison.Ordinal));
        Assert.Contains(vectors, v => v.Name.Contains("transparent", StringComparison.Ordinal));
        Assert.Contains(vectors, v => v.Quality < PdqHash.MinUsefulQuality);
        Assert.All(vectors, v => Assert.True(PdqHash.TryParse(v.Pdq, out _), v.Name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task The_hash_agrees_with_the_reference_hasher(string name)
    {
        var vector = PdqReferenceVectors.Load().Single(v => v.Name == name);
        var picture = await vector.GenerateAsync();

        var result = PdqHasher.Hash(await File.ReadAllBytesAsync(picture));

        var distance = result.Hash.Distance(PdqHash.Parse(vector.Pdq));
        Assert.True(distance <= MaxDistance && Math.Abs(result.Quality - vector.Quality) <= MaxQualityDelta,
            $"{name}: {result.Hash.ToHex()} quality {result.Quality}; the reference gave {vector.Pdq} quality {vector.Quality} ({distance} bits apart)");
    }
}
