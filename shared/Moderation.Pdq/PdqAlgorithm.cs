using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Moderation.Pdq;

/// <summary>
/// The PDQ pipeline of Meta's reference hasher (facebook/ThreatExchange pdq/cpp), step for step and in the same float
/// arithmetic, so hashes agree bit for bit wherever the decoded pixels do: pictures over 512 pixels on a side are first
/// sampled (nearest neighbour, as CImg's resize) to 512×512; luminance; two passes of Jarosz box filters sized to the
/// picture; decimation to 64×64; the gradient quality score; the 16×16 low-frequency block of the 2-D DCT; one bit per
/// coefficient above the (Torben) median.
/// </summary>
/// <remarks>
/// Vector code only ever runs the reference's sums in the reference's order on several independent outputs at once
/// (columns of a filter pass, columns of a DCT product), with separate multiplies and adds (no fused multiply-add), so
/// it changes speed, not results.
/// </remarks>
internal static class PdqAlgorithm
{
    /// <summary>Pictures larger than this on either side are sampled to this square before hashing (the reference's DOWNSAMPLE_DIMS).</summary>
    public const int ShrinkDimension = 512;

    /// <summary>Smaller pictures get the all-zero hash and quality 0 (the reference's MIN_HASHABLE_DIM).</summary>
    public const int MinHashableDimension = 5;

    private const int Downsampled = 64;
    private const int DctSize = 16;
    private const int JaroszPasses = 2;

    private const float LumaFromRed = 0.299f;
    private const float LumaFromGreen = 0.587f;
    private const float LumaFromBlue = 0.114f;

    /// <summary>The 16×64 DCT-II rows 1 to 16 (row-major), built exactly as the reference builds dct_matrix_64.</summary>
    private static readonly float[] DctMatrix = BuildDctMatrix();

    /// <summary>Its transpose (64×16), so the second product runs along contiguous memory.</summary>
    private static readonly float[] DctMatrixTransposed = Transpose(DctMatrix, DctSize, Downsampled);

    /// <summary>Hashes the picture; with <paramref name="dihedrals"/> also fills the other seven orientations' hashes.</summary>
    public static int Compute(ReadOnlySpan<byte> pixels, PixelView view, Span<PdqHash> hashes, bool dihedrals)
    {
        if (view.Width < MinHashableDimension || view.Height < MinHashableDimension)
        {
            hashes.Clear();
            return 0;
        }

        var shrink = view.Width > ShrinkDimension || view.Height > ShrinkDimension;
        var rows = shrink ? ShrinkDimension : view.Height;
        var columns = shrink ? ShrinkDimension : view.Width;
        var size = rows * columns;

        var buffer1 = ArrayPool<float>.Shared.Rent(size);
        var buffer2 = ArrayPool<float>.Shared.Rent(size);
        Span<float> downsampled = stackalloc float[Downsampled * Downsampled];
        try
        {
            FillLuma(pixels, view, rows, columns, buffer1);
            if (rows == Downsampled && columns == Downsampled)
            {
                // The reference takes a 64×64 picture (e.g. a frame ffmpeg already scaled) as its own downsample.
                buffer1.AsSpan(0, size).CopyTo(downsampled);
            }
            else
            {
                JaroszFilter(buffer1, buffer2, rows, columns);
                Decimate(buffer1, rows, columns, downsampled);
            }

            var quality = Quality(downsampled);
            Span<float> dct = stackalloc float[DctSize * DctSize];
            Dct64To16(downsampled, dct);
            hashes[0] = ToBits(dct);
            if (dihedrals)
            {
                Span<float> transformed = stackalloc float[DctSize * DctSize];
                for (var orientation = PdqDihedral.Rotate90; orientation <= PdqDihedral.FlipMinus1; orientation++)
                {
                    TransformDct(dct, transformed, orientation);
                    hashes[(int)orientation] = ToBits(transformed);
                }
            }

            return quality;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer1);
            ArrayPool<float>.Shared.Return(buffer2);
        }
    }

    /// <summary>
    /// Luminance of the displayed picture, or of its nearest-neighbour sample to <paramref name="rows"/>×<paramref name="columns"/>
    /// (CImg's resize with interpolation 1: target pixel x reads source pixel ⌊x · width / columns⌋, in double).
    /// </summary>
    private static void FillLuma(ReadOnlySpan<byte> pixels, PixelView view, int rows, int columns, Span<float> luma)
    {
        Span<int> columnOffsets = stackalloc int[columns];
        for (var x = 0; x < columns; x++)
        {
            var source = columns == view.Width ? x : (int)((double)x * view.Width / columns);
            columnOffsets[x] = view.Origin + source * view.StepX;
        }

        var (red, green, blue) = view.Format switch
        {
            PdqPixelFormat.Bgra8888 => (2, 1, 0),
            _ => (0, 1, 2),
        };

        ref var pixelStart = ref MemoryMarshal.GetReference(pixels);
        ref var lumaStart = ref MemoryMarshal.GetReference(luma);
        ref var offsets = ref MemoryMarshal.GetReference(columnOffsets);
        for (var y = 0; y < rows; y++)
        {
            var sourceRow = rows == view.Height ? y : (int)((double)y * view.Height / rows);
            ref var rowStart = ref Unsafe.Add(ref pixelStart, sourceRow * view.StepY);
            ref var output = ref Unsafe.Add(ref lumaStart, y * columns);
            if (view.Format == PdqPixelFormat.Gray8)
            {
                for (var x = 0; x < columns; x++)
                {
                    Unsafe.Add(ref output, x) = Unsafe.Add(ref rowStart, Unsafe.Add(ref offsets, x));
                }
            }
            else
            {
                for (var x = 0; x < columns; x++)
                {
                    ref var pixel = ref Unsafe.Add(ref rowStart, Unsafe.Add(ref offsets, x));
                    Unsafe.Add(ref output, x) = LumaFromRed * Unsafe.Add(ref pixel, red) + LumaFromGreen * Unsafe.Add(ref pixel, green)
                        + LumaFromBlue * Unsafe.Add(ref pixel, blue);
                }
            }
        }
    }

    /// <summary>The reference's computeJaroszFilterWindowSize: half of the source pixels per output pixel, rounded up.</summary>
    internal static int JaroszWindowSize(int oldDimension) => (oldDimension + 2 * Downsampled - 1) / (2 * Downsampled);

    /// <summary>Two passes of box filters along rows then columns, leaving the result in <paramref name="buffer1"/>.</summary>
    private static void JaroszFilter(float[] buffer1, float[] buffer2, int rows, int columns)
    {
        var windowAlongRows = JaroszWindowSize(columns);
        var windowAlongColumns = JaroszWindowSize(rows);
        var lanes = Vector<float>.Count;
        var strip = ArrayPool<float>.Shared.Rent(columns * lanes);
        var filteredStrip = ArrayPool<float>.Shared.Rent(columns * lanes);
        try
        {
            for (var pass = 0; pass < JaroszPasses; pass++)
            {
                BoxAlongRows(buffer1, buffer2, rows, columns, windowAlongRows, strip, filteredStrip);
                BoxAlongColumns(buffer2, buffer1, rows, columns, windowAlongColumns);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(strip);
            ArrayPool<float>.Shared.Return(filteredStrip);
        }
    }

    /// <summary>
    /// The box filter along every row. Rows are filtered a vector's width at a time: a strip of them is transposed so
    /// each row becomes a lane, filtered as columns are, and transposed back.
    /// </summary>
    private static void BoxAlongRows(float[] input, float[] output, int rows, int columns, int window, float[] strip, float[] filteredStrip)
    {
        var lanes = Vector<float>.Count;
        ref var inputStart = ref MemoryMarshal.GetArrayDataReference(input);
        ref var outputStart = ref MemoryMarshal.GetArrayDataReference(output);
        ref var stripStart = ref MemoryMarshal.GetArrayDataReference(strip);
        ref var filteredStart = ref MemoryMarshal.GetArrayDataReference(filteredStrip);
        var row = 0;
        for (; row + lanes <= rows; row += lanes)
        {
            for (var lane = 0; lane < lanes; lane++)
            {
                ref var source = ref Unsafe.Add(ref inputStart, (row + lane) * columns);
                for (var column = 0; column < columns; column++)
                {
                    Unsafe.Add(ref stripStart, column * lanes + lane) = Unsafe.Add(ref source, column);
                }
            }

            BoxAlongColumns(strip, filteredStrip, columns, lanes, window);
            for (var lane = 0; lane < lanes; lane++)
            {
                ref var destination = ref Unsafe.Add(ref outputStart, (row + lane) * columns);
                for (var column = 0; column < columns; column++)
                {
                    Unsafe.Add(ref destination, column) = Unsafe.Add(ref filteredStart, column * lanes + lane);
                }
            }
        }

        for (; row < rows; row++)
        {
            BoxAlongLine(input, output, row * columns, 1, columns, window);
        }
    }

    /// <summary>
    /// The reference's box1DFloat down every column (stride <paramref name="columns"/>): a running sum over a window
    /// centred on each output, shrunk at both ends, divided by the number of values in it. Several adjacent columns run
    /// per vector, each seeing exactly the reference's sequence of adds, subtracts and divides.
    /// </summary>
    private static void BoxAlongColumns(float[] input, float[] output, int rows, int columns, int window)
    {
        var half = (window + 2) / 2;
        var width = Vector<float>.Count;
        var column = 0;
        ref var inputStart = ref MemoryMarshal.GetArrayDataReference(input);
        ref var outputStart = ref MemoryMarshal.GetArrayDataReference(output);
        for (; column + width <= columns; column += width)
        {
            var read = column;
            var left = column;
            var write = column;
            var sum = Vector<float>.Zero;
            var count = 0;
            for (var i = 0; i < half - 1; i++, read += columns)
            {
                sum += Vector.LoadUnsafe(ref inputStart, (nuint)read);
                count++;
            }

            for (var i = 0; i < window - half + 1; i++, read += columns, write += columns)
            {
                sum += Vector.LoadUnsafe(ref inputStart, (nuint)read);
                count++;
                (sum / new Vector<float>(count)).StoreUnsafe(ref outputStart, (nuint)write);
            }

            var divisor = new Vector<float>(count);
            for (var i = 0; i < rows - window; i++, read += columns, left += columns, write += columns)
            {
                sum += Vector.LoadUnsafe(ref inputStart, (nuint)read);
                sum -= Vector.LoadUnsafe(ref inputStart, (nuint)left);
                (sum / divisor).StoreUnsafe(ref outputStart, (nuint)write);
            }

            for (var i = 0; i < half - 1; i++, left += columns, write += columns)
            {
                sum -= Vector.LoadUnsafe(ref inputStart, (nuint)left);
                count--;
                (sum / new Vector<float>(count)).StoreUnsafe(ref outputStart, (nuint)write);
            }
        }

        for (; column < columns; column++)
        {
            BoxAlongLine(input, output, column, columns, rows, window);
        }
    }

    /// <summary>The reference's box1DFloat on one line of <paramref name="length"/> values, <paramref name="stride"/> apart.</summary>
    private static void BoxAlongLine(float[] input, float[] output, int start, int stride, int length, int window)
    {
        var half = (window + 2) / 2;
        var read = start;
        var left = start;
        var write = start;
        var sum = 0f;
        var count = 0;
        for (var i = 0; i < half - 1; i++, read += stride)
        {
            sum += input[read];
            count++;
        }

        for (var i = 0; i < window - half + 1; i++, read += stride, write += stride)
        {
            sum += input[read];
            count++;
            output[write] = sum / count;
        }

        for (var i = 0; i < length - window; i++, read += stride, left += stride, write += stride)
        {
            sum += input[read];
            sum -= input[left];
            output[write] = sum / count;
        }

        for (var i = 0; i < half - 1; i++, left += stride, write += stride)
        {
            sum -= input[left];
            count--;
            output[write] = sum / count;
        }
    }

    /// <summary>The reference's decimateFloat: the filtered pixel nearest each 64×64 target centre.</summary>
    private static void Decimate(float[] input, int rows, int columns, Span<float> output)
    {
        Span<int> sourceColumns = stackalloc int[Downsampled];
        for (var j = 0; j < Downsampled; j++)
        {
            sourceColumns[j] = (int)((j + 0.5) * columns / Downsampled);
        }

        for (var i = 0; i < Downsampled; i++)
        {
            var sourceRow = (int)((i + 0.5) * rows / Downsampled) * columns;
            for (var j = 0; j < Downsampled; j++)
            {
                output[i * Downsampled + j] = input[sourceRow + sourceColumns[j]];
            }
        }
    }

    /// <summary>
    /// The reference's pdqImageDomainQualityMetric: the sum of quantised neighbour differences (percent of full scale,
    /// truncated) over the 64×64 downsample, divided by 90 and capped at 100.
    /// </summary>
    private static int Quality(ReadOnlySpan<float> downsampled)
    {
        var gradientSum = 0;
        for (var i = 0; i < Downsampled - 1; i++)
        {
            for (var j = 0; j < Downsampled; j++)
            {
                var difference = (int)((downsampled[i * Downsampled + j] - downsampled[(i + 1) * Downsampled + j]) * 100 / 255);
                gradientSum += Math.Abs(difference);
            }
        }

        for (var i = 0; i < Downsampled; i++)
        {
            for (var j = 0; j < Downsampled - 1; j++)
            {
                var difference = (int)((downsampled[i * Downsampled + j] - downsampled[i * Downsampled + j + 1]) * 100 / 255);
                gradientSum += Math.Abs(difference);
            }
        }

        return Math.Min(gradientSum / 90, 100);
    }

    /// <summary>B = D · A · Dᵀ for the 16×64 DCT rows D, each sum accumulated in the reference's order.</summary>
    private static void Dct64To16(ReadOnlySpan<float> a, Span<float> b)
    {
        var width = Vector<float>.Count;
        Span<float> t = stackalloc float[DctSize * Downsampled];
        var d = DctMatrix.AsSpan();
        for (var i = 0; i < DctSize; i++)
        {
            var dRow = d.Slice(i * Downsampled, Downsampled);
            for (var j = 0; j < Downsampled; j += width)
            {
                var sum = Vector<float>.Zero;
                for (var k = 0; k < Downsampled; k++)
                {
                    sum += new Vector<float>(dRow[k]) * new Vector<float>(a.Slice(k * Downsampled + j, width));
                }

                sum.CopyTo(t.Slice(i * Downsampled + j, width));
            }
        }

        var dt = DctMatrixTransposed.AsSpan();
        for (var i = 0; i < DctSize; i++)
        {
            var tRow = t.Slice(i * Downsampled, Downsampled);
            var bRow = b.Slice(i * DctSize, DctSize);
            if (DctSize % width != 0)
            {
                DctRowScalar(tRow, dt, bRow);
                continue;
            }

            for (var j = 0; j < DctSize; j += width)
            {
                var sum = Vector<float>.Zero;
                for (var k = 0; k < Downsampled; k++)
                {
                    sum += new Vector<float>(tRow[k]) * new Vector<float>(dt.Slice(k * DctSize + j, width));
                }

                sum.CopyTo(bRow.Slice(j, width));
            }
        }
    }

    private static void DctRowScalar(ReadOnlySpan<float> tRow, ReadOnlySpan<float> dt, Span<float> bRow)
    {
        for (var j = 0; j < DctSize; j++)
        {
            var sum = 0f;
            for (var k = 0; k < Downsampled; k++)
            {
                sum += tRow[k] * dt[k * DctSize + j];
            }

            bRow[j] = sum;
        }
    }

    /// <summary>Bit i·16+j is set when coefficient (i, j) exceeds the median of all 256.</summary>
    private static PdqHash ToBits(ReadOnlySpan<float> dct)
    {
        var median = TorbenMedian(dct);
        Span<ulong> words = stackalloc ulong[4];
        for (var k = 0; k < DctSize * DctSize; k++)
        {
            if (dct[k] > median)
            {
                words[k >> 6] |= 1UL << (k & 63);
            }
        }

        return new(words[0], words[1], words[2], words[3]);
    }

    /// <summary>Torben Mogensen's median (the reference's torben.cpp), which picks the same element on ties.</summary>
    internal static float TorbenMedian(ReadOnlySpan<float> m)
    {
        var n = m.Length;
        float min = m[0], max = m[0];
        for (var i = 1; i < n; i++)
        {
            if (m[i] < min)
            {
                min = m[i];
            }

            if (m[i] > max)
            {
                max = m[i];
            }
        }

        int less, greater, equal;
        float guess, maxLessThanGuess, minGreaterThanGuess;
        while (true)
        {
            guess = (min + max) / 2;
            less = 0;
            greater = 0;
            equal = 0;
            maxLessThanGuess = min;
            minGreaterThanGuess = max;
            for (var i = 0; i < n; i++)
            {
                if (m[i] < guess)
                {
                    less++;
                    if (m[i] > maxLessThanGuess)
                    {
                        maxLessThanGuess = m[i];
                    }
                }
                else if (m[i] > guess)
                {
                    greater++;
                    if (m[i] < minGreaterThanGuess)
                    {
                        minGreaterThanGuess = m[i];
                    }
                }
                else
                {
                    equal++;
                }
            }

            if (less <= (n + 1) / 2 && greater <= (n + 1) / 2)
            {
                break;
            }

            if (less > greater)
            {
                max = maxLessThanGuess;
            }
            else
            {
                min = minGreaterThanGuess;
            }
        }

        if (less >= (n + 1) / 2)
        {
            return maxLessThanGuess;
        }

        return less + equal >= (n + 1) / 2 ? guess : minGreaterThanGuess;
    }

    /// <summary>
    /// The DCT of the picture in another dihedral orientation, from the original's: a transpose for the orientations
    /// that swap axes, and sign flips of odd-frequency rows or columns for the mirrored axes (the reference's
    /// dct16OriginalTo* functions).
    /// </summary>
    private static void TransformDct(ReadOnlySpan<float> a, Span<float> b, PdqDihedral orientation)
    {
        for (var i = 0; i < DctSize; i++)
        {
            for (var j = 0; j < DctSize; j++)
            {
                var value = a[i * DctSize + j];
                var (negate, transpose) = orientation switch
                {
                    PdqDihedral.Rotate90 => ((j & 1) == 0, true),
                    PdqDihedral.Rotate180 => (((i + j) & 1) != 0, false),
                    PdqDihedral.Rotate270 => ((i & 1) == 0, true),
                    PdqDihedral.FlipX => ((i & 1) == 0, false),
                    PdqDihedral.FlipY => ((j & 1) == 0, false),
                    PdqDihedral.FlipPlus1 => (false, true),
                    PdqDihedral.FlipMinus1 => (((i + j) & 1) != 0, true),
                    _ => (false, false),
                };
                b[transpose ? j * DctSize + i : i * DctSize + j] = negate ? -value : value;
            }
        }
    }

    private static float[] BuildDctMatrix()
    {
        var scale = (float)Math.Sqrt(2.0 / Downsampled);
        var matrix = new float[DctSize * Downsampled];
        for (var i = 0; i < DctSize; i++)
        {
            for (var j = 0; j < Downsampled; j++)
            {
                matrix[i * Downsampled + j] = (float)(scale * Math.Cos(Math.PI / 2.0 / Downsampled * (i + 1) * (2 * j + 1)));
            }
        }

        return matrix;
    }

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var transposed = new float[matrix.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                transposed[j * rows + i] = matrix[i * columns + j];
            }
        }

        return transposed;
    }
}
