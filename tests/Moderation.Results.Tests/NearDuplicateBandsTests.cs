using Moderation.Pdq;
using Moderation.Results.Banks;
using Moderation.Testing;
using Npgsql;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// The near-duplicate index's bands: PostgreSQL computes them from hex exactly as the service does (the migration fills
/// the rows stored before with the SQL form), and every hash within 15 bits of another shares a band with it, so the
/// GIN-indexed overlap misses no near-duplicate.
/// </summary>
public sealed class NearDuplicateBandsTests
{
    [Fact]
    public async Task PostgreSQL_computes_the_same_bands_from_hex_as_the_service()
    {
        var random = new Random(17);
        var hashes = Enumerable.Range(0, 64).Select(_ => RandomHash(random).ToHex()).Append(new string('0', 64)).Append(new string('f', 64)).ToList();
        var servers = await TestServers.GetAsync();
        await using var db = new NpgsqlConnection(servers.PostgresConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {NearDuplicateBands.Sql} FROM unnest(@hashes) AS pdq", db);
        command.Parameters.AddWithValue("hashes", hashes.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        foreach (var hex in hashes)
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(NearDuplicateBands.Of(hex), reader.GetFieldValue<int[]>(0));
        }
    }

    [Fact]
    public void Hashes_within_fifteen_bits_always_share_a_band_and_the_bands_tell_positions_apart()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 2000; trial++)
        {
            var hash = RandomHash(random);
            var near = hash;
            foreach (var bit in Enumerable.Range(0, PdqHash.Bits).OrderBy(_ => random.Next()).Take(random.Next(0, NearDuplicateBands.MaxExactDistance + 1)))
            {
                near = near.FlipBit(bit);
            }

            Assert.NotEmpty(NearDuplicateBands.Of(hash.ToHex()).Intersect(NearDuplicateBands.Of(near.ToHex())));
        }

        // The same 16 bits in two positions are two different bands.
        var shifted = NearDuplicateBands.Of(new string('0', 60) + "1234");
        Assert.DoesNotContain(NearDuplicateBands.Of("1234" + new string('0', 60)), b => (b & 0xffff) != 0 && shifted.Contains(b));
    }

    private static PdqHash RandomHash(Random random) =>
        new((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64());
}
