using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        var strip = ArrayPool<float>.Shared.Rent(columns * StripRows);
        var filteredStrip = ArrayPool<float>.Shared.Rent(columns * StripRows);
        var sums = ArrayPool<float>.Shared.Rent(columns);
        try
        {
            for (var pass = 0; pass < JaroszPasses; pass++)
            {
                BoxAlongRows(buffer1, buffer2, rows, columns, windowAlongRows, strip, filteredStrip);
                BoxDown(buffer2, buffer1, rows, columns, windowAlongColumns, sums);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(strip);
            ArrayPool<float>.Shared.Return(filteredStrip);
            ArrayPool<float>.Shared.Return(sums);
        }
    }

    /// <summary>Rows filtered together: a strip of them is transposed so each row becomes a column.</summary>
    private const int StripRows = 8;

    /// <summary>
    /// The box filter along every row. A strip of <see cref="StripRows"/> rows is transposed (8×8 blocks in AVX
    /// registers where the CPU has them), filtered down its columns, and transposed back.
    /// </summary>
    private static void BoxAlongRows(float[] input, float[] output, int rows, int columns, int window, float[] strip, float[] filteredStrip)
    {
        ref var inputStart = ref MemoryMarshal.GetArrayDataReference(input);
        ref var outputStart = ref MemoryMarshal.GetArrayDataReference(output);
        ref var stripStart = ref MemoryMarshal.GetArrayDataReference(strip);
        ref var filteredStart = ref MemoryMarshal.GetArrayDataReference(filteredStrip);
        var row = 0;
        for (; row + StripRows <= rows; row += StripRows)
        {
            // strip[column][lane] = input[row + lane][column]
            ref var rowsStart = ref Unsafe.Add(ref inputStart, row * columns);
            var column = 0;
            if (Avx.IsSupported)
            {
                for (; column + 8 <= columns; column += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref rowsStart, column), columns, ref Unsafe.Add(ref stripStart, column * StripRows), StripRows);
                }
            }

            for (; column < columns; column++)
            {
                for (var lane = 0; lane < StripRows; lane++)
                {
                    Unsafe.Add(ref stripStart, column * StripRows + lane) = Unsafe.Add(ref rowsStart, lane * columns + column);
                }
            }

            BoxDownInRegisters(strip, filteredStrip, columns, StripRows, window);

            ref var outputRows = ref Unsafe.Add(ref outputStart, row * columns);
            column = 0;
            if (Avx.IsSupported)
            {
                for (; column + 8 <= columns; column += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref filteredStart, column * StripRows), StripRows, ref Unsafe.Add(ref outputRows, column), columns);
                }
            }

            for (; column < columns; column++)
            {
                for (var lane = 0; lane < StripRows; lane++)
                {
                    Unsafe.Add(ref outputRows, lane * columns + column) = Unsafe.Add(ref filteredStart, column * StripRows + lane);
                }
            }
        }

        for (; row < rows; row++)
        {
            BoxAlongLine(input, output, row * columns, 1, columns, window);
        }
    }

    /// <summary>Transposes the 8×8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> floats apart) into <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref destination, (nuint)destinationStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref destination, (nuint)(2 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref destination, (nuint)(3 * destinationStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref destination, (nuint)(4 * destinationStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref destination, (nuint)(5 * destinationStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref destination, (nuint)(6 * destinationStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref destination, (nuint)(7 * destinationStride));
    }

    /// <summary>
    /// The reference's box1DFloat down every column at once, streaming whole rows: a running sum per column over a
    /// window centred on each output, shrunk at both ends, divided by the number of values in it. Each column sees
    /// exactly the reference's sequence of adds, subtracts and divides; the vector lanes are different columns.
    /// </summary>
    private static void BoxDown(float[] input, float[] output, int rows, int columns, int window, float[] sumsBuffer)
    {
        var half = (window + 2) / 2;
        var sums = sumsBuffer.AsSpan(0, columns);
        sums.Clear();
        var read = 0;
        var left = 0;
        var write = 0;
        var count = 0;
        for (var i = 0; i < half - 1; i++)
        {
            AddRow(input.AsSpan(read++ * columns, columns), sums);
            count++;
        }

        for (var i = 0; i < window - half + 1; i++)
        {
            AddRow(input.AsSpan(read++ * columns, columns), sums);
            count++;
            DivideRow(sums, count, output.AsSpan(write++ * columns, columns));
        }

        for (var i = 0; i < rows - window; i++)
        {
            AddRow(input.AsSpan(read++ * columns, columns), sums);
            SubtractRow(input.AsSpan(left++ * columns, columns), sums);
            DivideRow(sums, count, output.AsSpan(write++ * columns, columns));
        }

        for (var i = 0; i < half - 1; i++)
        {
            SubtractRow(input.AsSpan(left++ * columns, columns), sums);
            count--;
            DivideRow(sums, count, output.AsSpan(write++ * columns, columns));
        }
    }

    /// <summary>
    /// The same filter down a matrix a few vectors wide (a transposed strip of rows), one group of columns at a time
    /// with its running sum kept in a register.
    /// </summary>
    private static void BoxDownInRegisters(float[] input, float[] output, int rows, int columns, int window)
    {
        var half = (window + 2) / 2;
        var width = Vector<float>.Count;
        ref var inputStart = ref MemoryMarshal.GetArrayDataReference(input);
        ref var outputStart = ref MemoryMarshal.GetArrayDataReference(output);
        var column = 0;
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

    private static void AddRow(ReadOnlySpan<float> row, Span<float> sums)
    {
        var j = 0;
        for (; j + Vector<float>.Count <= row.Length; j += Vector<float>.Count)
        {
            (new Vector<float>(sums[j..]) + new Vector<float>(row[j..])).CopyTo(sums[j..]);
        }

        for (; j < row.Length; j++)
        {
            sums[j] += row[j];
        }
    }

    private static void SubtractRow(ReadOnlySpan<float> row, Span<float> sums)
    {
        var j = 0;
        for (; j + Vector<float>.Count <= row.Length; j += Vector<float>.Count)
        {
            (new Vector<float>(sums[j..]) - new Vector<float>(row[j..])).CopyTo(sums[j..]);
        }

        for (; j < row.Length; j++)
        {
            sums[j] -= row[j];
        }
    }

    private static void DivideRow(ReadOnlySpan<float> sums, int count, Span<float> output)
    {
        var divisor = new Vector<float>(count);
        var j = 0;
        for (; j + Vector<float>.Count <= sums.Length; j += Vector<float>.Count)
        {
            (new Vector<float>(sums[j..]) / divisor).CopyTo(output[j..]);
        }

        for (; j < sums.Length; j++)
        {
            output[j] = sums[j] / count;
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
