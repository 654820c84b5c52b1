namespace Moderation.Pdq;

/// <summary>Layout of 8-bit pixels handed to <see cref="PdqHasher"/>.</summary>
public enum PdqPixelFormat
{
    /// <summary>R, G, B, A bytes (alpha ignored; colours as stored, not premultiplied).</summary>
    Rgba8888,

    /// <summary>B, G, R, A bytes (alpha ignored).</summary>
    Bgra8888,

    /// <summary>R, G, B bytes, as ffmpeg's rgb24 frames.</summary>
    Rgb888,

    /// <summary>One grey byte per pixel.</summary>
    Gray8,
}

/// <summary>Which way up an encoded picture is hashed.</summary>
public enum PdqOrientation
{
    /// <summary>
    /// The pixels as stored, ignoring any EXIF orientation tag: what Meta's reference hasher does, so hashes agree with
    /// ThreatExchange, HMA and industry lists computed from the same files. A camera photo stored sideways hashes as a
    /// dihedral variant of its upright copy, which dihedral matching finds.
    /// </summary>
    Stored,

    /// <summary>The picture as displayed: the EXIF orientation applied before hashing (as browsers show it).</summary>
    Displayed,
}

/// <summary>
/// Displayed pixel (x, y) of a picture is at byte <c>Origin + x * StepX + y * StepY</c> of its buffer: covers the
/// stored layout and all eight EXIF orientations without copying.
/// </summary>
internal readonly record struct PixelView(int Width, int Height, int Origin, int StepX, int StepY, PdqPixelFormat Format)
{
    public static int BytesPerPixel(PdqPixelFormat format) => format switch
    {
        PdqPixelFormat.Rgba8888 or PdqPixelFormat.Bgra8888 => 4,
        PdqPixelFormat.Rgb888 => 3,
        PdqPixelFormat.Gray8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    /// <summary>The stored pixels seen in the given EXIF orientation (1 to 8; anything else is 1, the stored layout).</summary>
    public static PixelView Create(int width, int height, int rowBytes, PdqPixelFormat format, int exifOrientation = 1)
    {
        var pixel = BytesPerPixel(format);
        var lastColumn = (width - 1) * pixel;
        var lastRow = (height - 1) * rowBytes;
        return exifOrientation switch
        {
            2 => new(width, height, lastColumn, -pixel, rowBytes, format),
            3 => new(width, height, lastColumn + lastRow, -pixel, -rowBytes, format),
            4 => new(width, height, lastRow, pixel, -rowBytes, format),
            5 => new(height, width, 0, rowBytes, pixel, format),
            6 => new(height, width, lastRow, -rowBytes, pixel, format),
            7 => new(height, width, lastColumn + lastRow, -rowBytes, -pixel, format),
            8 => new(height, width, lastColumn, rowBytes, -pixel, format),
            _ => new(width, height, 0, pixel, rowBytes, format),
        };
    }

    /// <summary>Checks that a buffer of <paramref name="length"/> bytes holds the stored pixels this view reads.</summary>
    public static void CheckBuffer(int length, int width, int height, int rowBytes, PdqPixelFormat format)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pixel = BytesPerPixel(format);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, width * pixel);
        if (length < (long)rowBytes * (height - 1) + (long)width * pixel)
        {
            throw new ArgumentException($"{length} bytes cannot hold {width}×{height} {format} pixels with {rowBytes} bytes per row.");
        }
    }
}
