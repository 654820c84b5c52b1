namespace Moderation.Pdq.Tests;

public class PdqHashTests
{
    // The reference hasher's output for ThreatExchange's pdq/data/reg-test-input/dih/bridge-1-original.jpg.
    private const string ReferenceHex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";

    [Fact]
    public void Hex_text_puts_bit_255_first_and_bit_0_last_as_the_reference_does()
    {
        Assert.Equal("0000000000000000000000000000000000000000000000000000000000000001", default(PdqHash).FlipBit(0).ToHex());
        Assert.Equal("8000000000000000000000000000000000000000000000000000000000000000", default(PdqHash).FlipBit(255).ToHex());
        // The reference's 16-bit word 1 holds bits 16-31: its hex sits fourth from the right.
        Assert.Equal("0000000000000000000000000000000000000000000000000000000000100000", default(PdqHash).FlipBit(20).ToHex());
    }

    [Fact]
    public void Text_and_bytes_round_trip()
    {
        var hash = PdqHash.Parse(ReferenceHex);
        Assert.Equal(ReferenceHex, hash.ToHex());
        Assert.Equal(hash, PdqHash.Parse(ReferenceHex.ToUpperInvariant()));
        Assert.Equal(hash, PdqHash.FromBytes(hash.ToBytes()));
        Assert.Equal(Convert.FromHexString(ReferenceHex), hash.ToBytes());
        Assert.Equal(0xd8f8, hash.GetChunk16(15));
        Assert.Equal(0x9b22, hash.GetChunk16(0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b2")]
    [InlineData("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b222")]
    [InlineData("x8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")]
    [InlineData(" d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b2")]
    public void Anything_but_64_hex_digits_is_refused(string text)
    {
        Assert.False(PdqHash.TryParse(text, out _));
        Assert.Throws<FormatException>(() => PdqHash.Parse(text));
    }

    [Fact]
    public void Distance_counts_the_differing_bits()
    {
        var hash = PdqHash.Parse(ReferenceHex);
        var other = hash;
        int[] bits = [0, 1, 63, 64, 127, 128, 200, 255];
        foreach (var bit in bits)
        {
            other = other.FlipBit(bit);
        }

        Assert.Equal(bits.Length, hash.Distance(other));
        Assert.Equal(bits.Length, other.Distance(hash));
        Assert.Equal(0, hash.Distance(hash));
        Assert.Equal(256, default(PdqHash).Distance(new PdqHash(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue)));
    }
}
