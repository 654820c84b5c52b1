using System.Buffers;
using SkiaSharp;

namespace Moderation.Model;

/// <summary>
/// Turns an encoded image (JPEG, PNG, WebP, GIF, BMP: whatever Skia decodes) into one image of the model's input
/// tensor, exactly as the manifest's <see cref="ModelInput"/> describes it.
/// </summary>
/// <remarks>
/// Resizing reproduces tf.image.resizeBilinear(alignCorners: true), the reference preprocessing of nsfwjs, value for
/// value, so scores computed here match the reference implementation. For the same reason the image is stretched to the
/// input size rather than cropped, alpha is ignored (browsers and tfjs read the stored colour) and no colour management
/// is applied. EXIF orientation is applied, as the browsers nsfwjs runs in do, so a phone photo is classified upright.
/// Instances are immutable and thread-safe; a call allocates nothing but Skia's decoder state and a pooled pixel
/// buffer, and writes into a caller-provided span so classifiers can fill pooled batch buffers directly.
/// </remarks>
public sealed class ImagePreprocessor
{
    /// <summary>Images above this many pixels are refused before decoding (a 20000×20000 PNG is 1.6 GB of RGBA).</summary>
    public const long DefaultMaxSourcePixels = 64L * 1024 * 1024;

    private const int BytesPerPixel = 4;

    private readonly float[] channelValues = new float[256];
    private readonly int[] sourceChannels;
    private readonly bool planar;
    private readonly long maxSourcePixels;

    public ImagePreprocessor(ModelInput input, long maxSourcePixels = DefaultMaxSourcePixels)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSourcePixels, 1);
        if (input.Width < 1 || input.Height < 1)
        {
            throw new NotSupportedException($"Model input size {input.Width}×{input.Height} is invalid.");
        }

        if (input.Channels != 3)
        {
            throw new NotSupportedException($"Model input has {input.Channels} channels; only 3-channel colour input is supported.");
        }

        if (!string.Equals(input.Resize, ModelInput.ResizeBilinearAlignCorners, StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"Resize method '{input.Resize}' is not supported; expected '{ModelInput.ResizeBilinearAlignCorners}'.");
        }

        planar = input.Layout.ToUpperInvariant() switch
        {
            ModelInput.LayoutNhwc => false,
            ModelInput.LayoutNchw => true,
            _ => throw new NotSupportedException($"Tensor layout '{input.Layout}' is not supported; expected NHWC or NCHW."),
        };

        // Offsets of R, G, B inside a decoded RGBA pixel, in the order the model wants its channels.
        sourceChannels = input.ColorOrder.ToUpperInvariant() switch
        {
            ModelInput.ColorOrderRgb => [0, 1, 2],
            ModelInput.ColorOrderBgr => [2, 1, 0],
            _ => throw new NotSupportedException($"Colour order '{input.ColorOrder}' is not supported; expected RGB or BGR."),
        };

        // A scale of 1/n is applied as a division by n, as the reference computes it (x / 255 in double, rounded to
        // float32); multiplying by the float32 1/255 would differ in the last bit for some values.
        var divisor = Math.Round(1.0 / input.Scale);
        var isReciprocal = divisor >= 1 && (float)(1.0 / divisor) == input.Scale;
        for (var value = 0; value < channelValues.Length; value++)
        {
            channelValues[value] = isReciprocal
                ? (float)((float)(value / divisor) + (double)input.Offset)
                : (float)(value * (double)input.Scale + input.Offset);
        }

        Input = input;
        this.maxSourcePixels = maxSourcePixels;
    }

    public ModelInput Input { get; }

    /// <summary>Floats written per image: width × height × channels.</summary>
    public int TensorLength => Input.TensorLength;

    /// <summary>Decodes <paramref name="encodedImage"/> and writes one preprocessed image into <paramref name="destination"/>.</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a complete image Skia can decode, or it is too large.</exception>
    public void Preprocess(ReadOnlySpan<byte> encodedImage, Span<float> destination)
    {
        CheckDestination(destination);
        using var image = ImageDecoding.Decode(encodedImage, maxSourcePixels);
        Preprocess(image, destination);
    }

    /// <summary>
    /// Writes one preprocessed image from a picture decoded by <see cref="ImageDecoding"/>, so work that needs the same
    /// pixels (a perceptual hash) shares the decode.
    /// </summary>
    public void Preprocess(in DecodedImage image, Span<float> destination) =>
        PreprocessRgba(image.Pixels, image.Width, image.Height, image.RowBytes, image.Origin, destination);

    /// <summary>
    /// Writes one preprocessed image from already decoded, unpremultiplied RGBA pixels (alpha ignored), stored in
    /// <paramref name="origin"/> orientation.
    /// </summary>
    public void PreprocessRgba(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, SKEncodedOrigin origin, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, width * BytesPerPixel);
        if (rgba.Length < (long)rowBytes * (height - 1) + (long)width * BytesPerPixel)
        {
            throw new ArgumentException($"{rgba.Length} bytes cannot hold {width}×{height} RGBA pixels with {rowBytes} bytes per row.", nameof(rgba));
        }

        CheckDestination(destination);
        var view = OrientedView.Create(width, height, rowBytes, origin);
        ResizeBilinearAlignCorners(rgba, view, destination);
    }

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != TensorLength)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; one {Input.Width}×{Input.Height}×{Input.Channels} image needs {TensorLength}.", nameof(destination));
        }
    }

    // Mirrors tfjs-backend-cpu's resizeBilinear (alignCorners=true, halfPixelCenters=false): source coordinates and
    // interpolation in double precision from float32 channel values, each result rounded to float32.
    private void ResizeBilinearAlignCorners(ReadOnlySpan<byte> pixels, OrientedView view, Span<float> destination)
    {
        var outWidth = Input.Width;
        var outHeight = Input.Height;
        if (view.Width == outWidth && view.Height == outHeight)
        {
            // Frames usually arrive already at the model size, where align-corners sampling lands on every source
            // pixel with zero fraction: the resize is the identity, bit for bit, at a fraction of the cost.
            CopyOriented(pixels, view, destination);
            return;
        }

        var rowRatio = outHeight > 1 ? (view.Height - 1) / (double)(outHeight - 1) : view.Height / (double)outHeight;
        var colRatio = outWidth > 1 ? (view.Width - 1) / (double)(outWidth - 1) : view.Width / (double)outWidth;

        var columnLow = ArrayPool<int>.Shared.Rent(outWidth);
        var columnHigh = ArrayPool<int>.Shared.Rent(outWidth);
        var columnFraction = ArrayPool<double>.Shared.Rent(outWidth);
        try
        {
            for (var column = 0; column < outWidth; column++)
            {
                var source = colRatio * column;
                var low = Math.Max(0, (int)Math.Floor(source));
                columnLow[column] = low * view.StepX;
                columnHigh[column] = Math.Min(view.Width - 1, (int)Math.Ceiling(source)) * view.StepX;
                columnFraction[column] = source - low;
            }

            var channels = sourceChannels.Length;
            var plane = outWidth * outHeight;
            for (var row = 0; row < outHeight; row++)
            {
                var source = rowRatio * row;
                var low = Math.Max(0, (int)Math.Floor(source));
                var rowFraction = source - low;
                var topRow = view.Origin + low * view.StepY;
                var bottomRow = view.Origin + Math.Min(view.Height - 1, (int)Math.Ceiling(source)) * view.StepY;
                for (var column = 0; column < outWidth; column++)
                {
                    var fraction = columnFraction[column];
                    var topLeft = topRow + columnLow[column];
                    var topRight = topRow + columnHigh[column];
                    var bottomLeft = bottomRow + columnLow[column];
                    var bottomRight = bottomRow + columnHigh[column];
                    var pixel = row * outWidth + column;
                    for (var channel = 0; channel < channels; channel++)
                    {
                        var offset = sourceChannels[channel];
                        double tl = channelValues[pixels[topLeft + offset]];
                        double tr = channelValues[pixels[topRight + offset]];
                        double bl = channelValues[pixels[bottomLeft + offset]];
                        double br = channelValues[pixels[bottomRight + offset]];
                        var top = tl + (tr - tl) * fraction;
                        var bottom = bl + (br - bl) * fraction;
                        var index = planar ? channel * plane + pixel : pixel * channels + channel;
                        destination[index] = (float)(top + (bottom - top) * rowFraction);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(columnLow);
            ArrayPool<int>.Shared.Return(columnHigh);
            ArrayPool<double>.Shared.Return(columnFraction);
        }
    }

    private void CopyOriented(ReadOnlySpan<byte> pixels, OrientedView view, Span<float> destination)
    {
        // Hot path of the classifier (every frame, every channel): three channel offsets hoisted out of the loops, and
        // the interleaved (NHWC) layout written sequentially.
        int red = sourceChannels[0], green = sourceChannels[1], blue = sourceChannels[2];
        var values = channelValues.AsSpan();
        var plane = view.Width * view.Height;
        var pixel = 0;
        for (var row = 0; row < view.Height; row++)
        {
            var source = view.Origin + row * view.StepY;
            for (var column = 0; column < view.Width; column++, source += view.StepX, pixel++)
            {
                float r = values[pixels[source + red]], g = values[pixels[source + green]], b = values[pixels[source + blue]];
                if (planar)
                {
                    destination[pixel] = r;
                    destination[plane + pixel] = g;
                    destination[2 * plane + pixel] = b;
                }
                else
                {
                    var index = pixel * 3;
                    destination[index] = r;
                    destination[index + 1] = g;
                    destination[index + 2] = b;
                }
            }
        }
    }

    /// <summary>
    /// The decoded pixels as they are displayed: byte offset of displayed pixel (x, y) is
    /// <c>Origin + x * StepX + y * StepY</c>, which covers all eight EXIF orientations without copying.
    /// </summary>
    private readonly record struct OrientedView(int Width, int Height, int Origin, int StepX, int StepY)
    {
        public static OrientedView Create(int width, int height, int rowBytes, SKEncodedOrigin origin)
        {
            var lastColumn = (width - 1) * BytesPerPixel;
            var lastRow = (height - 1) * rowBytes;
            return origin switch
            {
                SKEncodedOrigin.TopRight => new(width, height, lastColumn, -BytesPerPixel, rowBytes),
                SKEncodedOrigin.BottomRight => new(width, height, lastColumn + lastRow, -BytesPerPixel, -rowBytes),
                SKEncodedOrigin.BottomLeft => new(width, height, lastRow, BytesPerPixel, -rowBytes),
                SKEncodedOrigin.LeftTop => new(height, width, 0, rowBytes, BytesPerPixel),
                SKEncodedOrigin.RightTop => new(height, width, lastRow, -rowBytes, BytesPerPixel),
                SKEncodedOrigin.RightBottom => new(height, width, lastColumn + lastRow, -rowBytes, -BytesPerPixel),
                SKEncodedOrigin.LeftBottom => new(height, width, lastColumn, rowBytes, -BytesPerPixel),
                _ => new(width, height, 0, BytesPerPixel, rowBytes),
            };
        }
    }
}

/// <summary>Why an image could not be decoded.</summary>
public enum ImageDecodeFailure
{
    /// <summary>Not a format that can be decoded, or corrupt data.</summary>
    Unreadable,

    /// <summary>The data ends before the picture does.</summary>
    Truncated,

    /// <summary>More pixels than the decoder is allowed to allocate.</summary>
    TooManyPixels,
}

/// <summary>The bytes could not be decoded into an image (unknown format, truncated, corrupt or too large).</summary>
public sealed class ImageDecodeException(string message, ImageDecodeFailure failure = ImageDecodeFailure.Unreadable) : Exception(message)
{
    public ImageDecodeFailure Failure { get; } = failure;
}
