namespace Moderation.Results.Banks;

/// <summary>
/// An exact index for near-duplicate reuse in PostgreSQL: a PDQ hash cut into sixteen 16-bit bands (hex digits
/// 4i to 4i + 3), each tagged with its position (<c>i &lt;&lt; 16 | band</c>), kept in an <c>int[]</c> column under a GIN
/// index. Two hashes within d ≤ 15 bits differ in at most d bands, so they share at least one tagged band: the
/// overlap (<c>&amp;&amp;</c>) finds every candidate, and the exact distance is checked on those alone. Unrelated hashes
/// share a band by chance with probability about 16 / 65,536, so a query reads a few rows per ten thousand stored.
/// </summary>
public static class NearDuplicateBands
{
    /// <summary>The largest distance the bands find exactly (pigeonhole over sixteen bands).</summary>
    public const int MaxExactDistance = 15;

    public const int Count = 16;

    /// <summary>The tagged bands of a hash given as 64 hexadecimal digits.</summary>
    public static int[] Of(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ArgumentOutOfRangeException.ThrowIfNotEqual(hex.Length, Count * 4, nameof(hex));
        var bands = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            bands[i] = (i << 16) | Convert.ToInt32(hex.Substring(i * 4, 4), 16);
        }

        return bands;
    }

    /// <summary>
    /// The same bands computed in SQL from a <c>pdq</c> column of hex text, as the migration that introduced them fills
    /// the rows stored before.
    /// </summary>
    public const string Sql = "ARRAY(SELECT (i << 16) | ('x' || substr(pdq, i * 4 + 1, 4))::bit(16)::int FROM generate_series(0, 15) AS i)";
}
