namespace Moderation.Pdq;

/// <summary>A picture's PDQ hash and the reference's quality score (0 to 100) of the picture it was computed from.</summary>
/// <param name="Quality">
/// How much gradient the picture has; below <see cref="PdqHash.MinUsefulQuality"/> the picture is (near-)flat and its
/// hash carries no identity (it is neither banked nor matched).
/// </param>
public readonly record struct PdqResult(PdqHash Hash, int Quality)
{
    /// <summary>Whether the hash may be banked or matched (quality at least <see cref="PdqHash.MinUsefulQuality"/>).</summary>
    public bool IsUseful => Quality >= PdqHash.MinUsefulQuality;
}

/// <summary>
/// The eight dihedral orientations of a picture, named as the reference names them. Rotations are counter-clockwise;
/// <see cref="FlipX"/> swaps top and bottom, <see cref="FlipY"/> swaps left and right (a mirror image),
/// <see cref="FlipPlus1"/> keeps the upper-left and lower-right corners (a transpose), <see cref="FlipMinus1"/> keeps
/// the upper-right and lower-left corners.
/// </summary>
public enum PdqDihedral
{
    Original,
    Rotate90,
    Rotate180,
    Rotate270,
    FlipX,
    FlipY,
    FlipPlus1,
    FlipMinus1,
}

/// <summary>
/// The hashes the picture would have in each of its eight dihedral orientations, computed from one DCT as the reference
/// does (no re-hashing), and the picture's quality. Matching a query's eight hashes against a bank finds rotated and
/// mirrored copies.
/// </summary>
public sealed class PdqDihedralResult
{
    private readonly PdqHash[] hashes;

    internal PdqDihedralResult(PdqHash[] hashes, int quality)
    {
        this.hashes = hashes;
        Quality = quality;
    }

    public int Quality { get; }

    /// <inheritdoc cref="PdqResult.IsUseful"/>
    public bool IsUseful => Quality >= PdqHash.MinUsefulQuality;

    /// <summary>All eight hashes, indexed by <see cref="PdqDihedral"/>.</summary>
    public IReadOnlyList<PdqHash> Hashes => hashes;

    public PdqHash this[PdqDihedral orientation] => hashes[(int)orientation];

    /// <summary>The hash of the picture as given (equal to <see cref="PdqHasher"/>'s plain hash).</summary>
    public PdqHash Original => hashes[(int)PdqDihedral.Original];

    public PdqResult OriginalResult => new(Original, Quality);
}
