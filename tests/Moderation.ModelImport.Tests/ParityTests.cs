using System.Globalization;
using System.Text;
using System.Text.Json;
using Moderation.Model;
using Moderation.ModelImport.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Moderation.ModelImport.Tests;

/// <summary>
/// The imported ONNX model against nsfwjs itself (TensorFlow.js in Node, run by the test): the same input tensors give
/// the same probabilities and embeddings, and our C# decoding + resizing gives nsfwjs classify()'s top class.
/// </summary>
public abstract class ParityTests(ITestOutputHelper output)
{
    /// <summary>The acceptance bound on probabilities (and embeddings) for identical input tensors.</summary>
    private const float Tolerance = 1e-4f;

    /// <summary>
    /// Lossless PNGs decode to identical pixels on both sides; our resize then reproduces tfjs's CPU kernel bit for bit,
    /// while the WASM kernel interpolates in float32 (measured: up to 4e-5).
    /// </summary>
    private float PngPreprocessingTolerance => Backend == "cpu" ? 0f : 1e-4f;

    protected abstract string ModelName { get; }

    /// <summary>TensorFlow.js backend of the reference run.</summary>
    protected abstract string Backend { get; }

    [Fact]
    public async Task Onnx_model_matches_nsfwjs_on_the_same_tensors_and_agrees_on_top_class_end_to_end()
    {
        var manifestPath = await ImportedModels.GetManifestPathAsync(ModelName);
        var images = await ParityImages.GetAsync();
        using var model = new OnnxModel(manifestPath);
        var manifest = model.Manifest;
        var preprocessor = new ImagePreprocessor(manifest.Input);
        var length = preprocessor.TensorLength;
        var classes = manifest.Classes.Count;

        var ours = new float[images.Count * length];
        for (var i = 0; i < images.Count; i++)
        {
            preprocessor.Preprocess(await File.ReadAllBytesAsync(images[i]), ours.AsSpan(i * length, length));
        }

        var synthetic = SyntheticTensors(ours, length);
        var work = Directory.CreateTempSubdirectory($"parity-{ModelName}-").FullName;
        try
        {
            var list = Path.Combine(work, "images.txt");
            await File.WriteAllLinesAsync(list, images);
            var tensors = Path.Combine(work, "tensors.f32");
            NodeReference.WriteFloats(tensors, synthetic.Values);
            var reference = Path.Combine(work, "reference");
            await NodeReference.RunAsync(["parity", "--model", ModelName, "--backend", Backend, "--images", list, "--tensors", tensors, "--out", reference], TimeSpan.FromMinutes(9));

            var classify = JsonSerializer.Deserialize<List<ClassifyResult>>(await File.ReadAllTextAsync(Path.Combine(reference, "classify.json")), JsonOptions)!;
            var theirInputs = NodeReference.ReadFloats(Path.Combine(reference, "inputs.f32"));
            var theirProbabilities = NodeReference.ReadFloats(Path.Combine(reference, "probabilities.f32"));
            var theirEmbeddings = NodeReference.ReadFloats(Path.Combine(reference, "embeddings.f32"));
            var meta = await File.ReadAllTextAsync(Path.Combine(reference, "meta.json"));
            using (var referenceMeta = JsonDocument.Parse(meta))
            {
                Assert.Equal(manifest.Source.PackageVersion, referenceMeta.RootElement.GetProperty("nsfwjs").GetString());
            }

            Assert.Equal(images.Count, classify.Count);
            Assert.Equal(images.Count * length, theirInputs.Length);

            // 1. Identical tensors: the tensors nsfwjs built from the images, and the synthetic ones.
            var (onTheirInputs, _) = model.Run(theirInputs, images.Count);
            var imageDifference = MaxAbsDifference(onTheirInputs, classify.SelectMany(result => result.Probabilities).ToArray());
            var (onSynthetic, syntheticEmbeddings) = model.Run(synthetic.Values, synthetic.Count);
            var syntheticDifference = MaxAbsDifference(onSynthetic, theirProbabilities);
            var embeddingDifference = MaxAbsDifference(syntheticEmbeddings, theirEmbeddings);

            // 2. End to end: our decoding and resizing, then the ONNX model, against nsfwjs classify().
            var (onOurs, _) = model.Run(ours, images.Count);
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"{ModelName}: ONNX Runtime (C#) vs nsfwjs {manifest.Source.PackageVersion} on tfjs backend '{Backend}'; ORT load {model.LoadTime.TotalMilliseconds:F0} ms; reference {meta.ReplaceLineEndings(" ")}");
            report.AppendLine("image | size | nsfwjs classify() top-1 | ours top-1 | max |Δp| end to end | max |Δinput| (our decode+resize vs nsfwjs)");
            var disagreements = new List<string>();
            var pngPreprocessingDifference = 0f;
            var jpegPreprocessingDifference = 0f;
            var endToEndDifference = 0f;
            for (var i = 0; i < images.Count; i++)
            {
                var theirs = classify[i].Probabilities;
                var mine = onOurs.AsSpan(i * classes, classes).ToArray();
                var theirTop = manifest.Classes[ArgMax(theirs)];
                var ourTop = manifest.Classes[ArgMax(mine)];
                var probabilityDifference = MaxAbsDifference(mine, theirs);
                var inputDifference = MaxAbsDifference(ours.AsSpan(i * length, length).ToArray(), theirInputs.AsSpan(i * length, length).ToArray());
                endToEndDifference = Math.Max(endToEndDifference, probabilityDifference);
                if (images[i].EndsWith(".png", StringComparison.Ordinal))
                {
                    pngPreprocessingDifference = Math.Max(pngPreprocessingDifference, inputDifference);
                }
                else
                {
                    jpegPreprocessingDifference = Math.Max(jpegPreprocessingDifference, inputDifference);
                }

                if (theirTop != ourTop)
                {
                    disagreements.Add(Path.GetFileName(images[i]));
                }

                report.AppendLine(CultureInfo.InvariantCulture, $"{Path.GetFileName(images[i])} | {classify[i].Width}×{classify[i].Height} | {theirTop} {theirs.Max():F4} | {ourTop} {mine.Max():F4} | {probabilityDifference:E2} | {inputDifference:E2}");
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"{ModelName}: max abs difference of probabilities on identical tensors: {Math.Max(imageDifference, syntheticDifference):E3} ({images.Count} images: {imageDifference:E3}; {synthetic.Count} synthetic tensors: {syntheticDifference:E3}); embeddings: {embeddingDifference:E3}");
            report.AppendLine(CultureInfo.InvariantCulture, $"{ModelName}: end to end (our JPEG/PNG decode + resize): top-1 agreement {images.Count - disagreements.Count}/{images.Count}, max |Δp| {endToEndDifference:E3}; max |Δinput| PNG {pngPreprocessingDifference:E3}, JPEG {jpegPreprocessingDifference:E3}");
            Report(report.ToString());

            Assert.True(images.Count >= 20, $"Only {images.Count} parity images.");
            Assert.True(imageDifference <= Tolerance, $"Probabilities on the images' tensors differ by {imageDifference:E3} > {Tolerance:E0}.");
            Assert.True(syntheticDifference <= Tolerance, $"Probabilities on synthetic tensors differ by {syntheticDifference:E3} > {Tolerance:E0}.");
            Assert.True(embeddingDifference <= Tolerance, $"Embeddings differ by {embeddingDifference:E3} > {Tolerance:E0}.");
            Assert.True(pngPreprocessingDifference <= PngPreprocessingTolerance, $"Our PNG preprocessing differs from nsfwjs's by {pngPreprocessingDifference:E3}.");
            Assert.Empty(disagreements);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Inputs the images don't cover: black, white, uniform noise, a diagonal ramp, and two of our own image tensors.</summary>
    private static (float[] Values, int Count) SyntheticTensors(float[] imageTensors, int length)
    {
        const int count = 6;
        var values = new float[count * length];
        var random = new Random(20240611);
        for (var i = 0; i < length; i++)
        {
            values[length + i] = 1f;
            values[2 * length + i] = random.NextSingle();
            values[3 * length + i] = (float)i / length;
        }

        imageTensors.AsSpan(0, length).CopyTo(values.AsSpan(4 * length));
        imageTensors.AsSpan(imageTensors.Length - length, length).CopyTo(values.AsSpan(5 * length));
        return (values, count);
    }

    private static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private void Report(string text)
    {
        output.WriteLine(text);
        Console.WriteLine(text);
    }

    private sealed record ClassifyResult(string File, int Width, int Height, float[] Probabilities);
}

public sealed class MobileNetV2ParityTests(ITestOutputHelper output) : ParityTests(output)
{
    protected override string ModelName => "mobilenet_v2";

    protected override string Backend => "cpu";
}

/// <summary>
/// InceptionV3 runs ~30 s per image on tfjs's pure-JS CPU backend on a 2-core machine (12 minutes for these images),
/// so the reference uses tfjs's WASM backend by default; MODERATION_PARITY_INCEPTION_BACKEND=cpu runs the pure-JS one.
/// </summary>
public sealed class InceptionV3ParityTests(ITestOutputHelper output) : ParityTests(output)
{
    protected override string ModelName => "inception_v3";

    protected override string Backend => Environment.GetEnvironmentVariable("MODERATION_PARITY_INCEPTION_BACKEND") is { Length: > 0 } backend ? backend : "wasm";
}
