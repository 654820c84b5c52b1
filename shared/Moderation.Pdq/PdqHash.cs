using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Moderation.Pdq;

/// <summary>
/// A 256-bit PDQ hash. Bit <c>k</c> is set when DCT coefficient (<c>k / 16</c>, <c>k % 16</c>) of the picture lies
/// above the median coefficient; the text form is the reference's: 64 hex digits, most significant bit (255) first.
/// </summary>
/// <remarks>
/// Two hashes of the same picture after re-encoding, resizing or small edits differ in few bits; Meta recommends
/// treating a Hamming distance of 31 or less as a match. A hash whose <see cref="PdqResult.Quality"/> is below
/// <see cref="MinUsefulQuality"/> describes a flat or near-flat picture and matches unrelated pictures.
/// </remarks>
public readonly struct PdqHash : IEquatable<PdqHash>, IComparable<PdqHash>
{
    /// <summary>Hashes of lower quality describe (near-)flat pictures: they are neither banked nor matched.</summary>
    public const int MinUsefulQuality = 50;

    /// <summary>Meta's recommended match distance for PDQ (bits).</summary>
    public const int DefaultMatchDistance = 31;

    public const int Bits = 256;

    /// <summary>Length of the text form.</summary>
    public const int HexLength = 64;

    /// <summary>Length of the binary form (<see cref="WriteBytes"/>): the hex digits' bytes, in the same order.</summary>
    public const int ByteLength = 32;

    // Bits 0-63, 64-127, 128-191 and 192-255.
    private readonly ulong word0;
    private readonly ulong word1;
    private readonly ulong word2;
    private readonly ulong word3;

    public PdqHash(ulong bits0To63, ulong bits64To127, ulong bits128To191, ulong bits192To255)
    {
        word0 = bits0To63;
        word1 = bits64To127;
        word2 = bits128To191;
        word3 = bits192To255;
    }

    /// <summary>Bits <c>64 × index</c> to <c>64 × index + 63</c>, bit 0 of the word being the lowest.</summary>
    public ulong GetWord(int index) => index switch
    {
        0 => word0,
        1 => word1,
        2 => word2,
        3 => word3,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "A PDQ hash has four 64-bit words."),
    };

    /// <summary>Bits <c>16 × index</c> to <c>16 × index + 15</c> (the reference's 16-bit words; index 0 to 15).</summary>
    public ushort GetChunk16(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 15);
        return (ushort)(GetWord(index >> 2) >> ((index & 3) << 4));
    }

    public bool GetBit(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bit, Bits);
        return ((GetWord(bit >> 6) >> (bit & 63)) & 1) != 0;
    }

    /// <summary>The hash with the given bit inverted.</summary>
    public PdqHash FlipBit(int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bit, Bits);
        var mask = 1UL << (bit & 63);
        return (bit >> 6) switch
        {
            0 => new(word0 ^ mask, word1, word2, word3),
            1 => new(word0, word1 ^ mask, word2, word3),
            2 => new(word0, word1, word2 ^ mask, word3),
            _ => new(word0, word1, word2, word3 ^ mask),
        };
    }

    /// <summary>Number of set bits (the reference's "norm"; close to 128 for a useful picture, by construction).</summary>
    public int PopCount =>
        BitOperations.PopCount(word0) + BitOperations.PopCount(word1) + BitOperations.PopCount(word2) + BitOperations.PopCount(word3);

    /// <summary>Hamming distance: the number of bits in which the two hashes differ (0 to 256).</summary>
    public int Distance(PdqHash other) =>
        BitOperations.PopCount(word0 ^ other.word0) + BitOperations.PopCount(word1 ^ other.word1)
        + BitOperations.PopCount(word2 ^ other.word2) + BitOperations.PopCount(word3 ^ other.word3);

    /// <summary>The 64 lower-case hex digits of the reference's text form.</summary>
    public string ToHex() => string.Create(HexLength, this, static (chars, hash) => hash.WriteHex(chars));

    public override string ToString() => ToHex();

    private void WriteHex(Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteBytes(bytes);
        Convert.TryToHexStringLower(bytes, destination, out _);
    }

    /// <summary>Writes the 32-byte binary form: bit 255 first, the byte order of the hex text.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ByteLength, nameof(destination));
        BinaryPrimitives.WriteUInt64BigEndian(destination, word3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], word0);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>Reads the 32-byte binary form written by <see cref="WriteBytes"/>.</summary>
    public static PdqHash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength)
        {
            throw new ArgumentException($"A PDQ hash is {ByteLength} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new(
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes));
    }

    /// <summary>Parses the 64-hex-digit text form (either case, nothing else around it).</summary>
    /// <exception cref="FormatException">The text is not 64 hex digits.</exception>
    public static PdqHash Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Parse(hex.AsSpan());
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static PdqHash Parse(ReadOnlySpan<char> hex) =>
        TryParse(hex, out var hash) ? hash : throw new FormatException($"A PDQ hash is {HexLength} hex digits; got {hex.Length} characters that are not.");

    public static bool TryParse([NotNullWhen(true)] string? hex, out PdqHash hash)
    {
        if (hex is null)
        {
            hash = default;
            return false;
        }

        return TryParse(hex.AsSpan(), out hash);
    }

    public static bool TryParse(ReadOnlySpan<char> hex, out PdqHash hash)
    {
        hash = default;
        if (hex.Length != HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != ByteLength)
        {
            return false;
        }

        hash = FromBytes(bytes);
        return true;
    }

    public bool Equals(PdqHash other) =>
        word0 == other.word0 && word1 == other.word1 && word2 == other.word2 && word3 == other.word3;

    public override bool Equals(object? obj) => obj is PdqHash other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(word0, word1, word2, word3);

    /// <summary>Orders as the hex text does (numerically, bit 255 most significant).</summary>
    public int CompareTo(PdqHash other)
    {
        var comparison = word3.CompareTo(other.word3);
        if (comparison == 0)
        {
            comparison = word2.CompareTo(other.word2);
        }

        if (comparison == 0)
        {
            comparison = word1.CompareTo(other.word1);
        }

        return comparison == 0 ? word0.CompareTo(other.word0) : comparison;
    }

    public static bool operator ==(PdqHash left, PdqHash right) => left.Equals(right);

    public static bool operator !=(PdqHash left, PdqHash right) => !left.Equals(right);

    public static bool operator <(PdqHash left, PdqHash right) => left.CompareTo(right) < 0;

    public static bool operator <=(PdqHash left, PdqHash right) => left.CompareTo(right) <= 0;

    public static bool operator >(PdqHash left, PdqHash right) => left.CompareTo(right) > 0;

    public static bool operator >=(PdqHash left, PdqHash right) => left.CompareTo(right) >= 0;
}
