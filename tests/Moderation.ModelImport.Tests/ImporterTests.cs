using Moderation.Model;
using Moderation.ModelImport.Source;
using Moderation.ModelImport.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Moderation.ModelImport.Tests;

public sealed class ImporterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("mobilenet_v2", 224, 7, 1280)]
    [InlineData("inception_v3", 299, 8, 2048)]
    public async Task Import_writes_an_onnx_model_and_manifest_that_onnx_runtime_loads(string name, int size, int grid, int channels)
    {
        var manifestPath = await ImportedModels.GetManifestPathAsync(name);

        var manifest = ModelManifest.Load(manifestPath);
        Assert.Equal(name, manifest.Name);
        Assert.Equal("nsfwjs-4.4.0", manifest.Version);
        Assert.Equal(new ModelSource("nsfwjs", "4.4.0", SourcePackage.Nsfwjs.Integrity, $"dist/models/{name}", "MIT"), manifest.Source);
        Assert.Equal(new ModelInput("input", size, size, 3, "NHWC", "RGB", "bilinear-align-corners", 1f / 255f, 0f), manifest.Input);
        Assert.Equal(new ModelOutputs("probabilities", "embedding", 128)
        {
            FeatureMap = "features",
            ClassActivation = new ClassActivationOutput("class_activation", grid, grid),
        }, manifest.Outputs);
        Assert.Equal(["Drawing", "Hentai", "Neutral", "Porn", "Sexy"], manifest.Classes);
        Assert.Equal(ModelImporter.Producer, manifest.Producer);

        using var model = new OnnxModel(manifestPath);
        Assert.Equal([-1, size, size, 3], model.Inputs["input"].Dimensions);
        Assert.Equal([-1, 5], model.Outputs["probabilities"].Dimensions);
        Assert.Equal([-1, 128], model.Outputs["embedding"].Dimensions);
        Assert.Equal([-1, grid, grid, channels], model.Outputs["features"].Dimensions);
        Assert.Equal([-1, grid, grid, 5], model.Outputs["class_activation"].Dimensions);

        // A batch of three gives three rows of probabilities that each sum to one.
        var (probabilities, embeddings) = model.Run(new float[3 * manifest.Input.TensorLength], 3);
        Assert.Equal(15, probabilities.Length);
        Assert.Equal(3 * 128, embeddings.Length);
        Assert.All(probabilities.Chunk(5), row => Assert.Equal(1f, row.Sum(), 0.0001f));

        var modelPath = manifest.VerifiedModelPath(manifestPath);
        // Checked in memory: given a path, the full check runs shape inference that rewrites the file in place.
        await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", modelPath], TimeSpan.FromMinutes(2));
        Assert.Equal(manifest.Sha256, ModelManifest.ComputeSha256(modelPath));

        var report = $"{name}: {new FileInfo(modelPath).Length / 1024.0 / 1024.0:F1} MiB, ONNX Runtime load {model.LoadTime.TotalMilliseconds:F0} ms, onnx.checker (full) passed";
        output.WriteLine(report);
        Console.WriteLine(report);
    }

    [Fact]
    public async Task Command_line_import_is_deterministic_idempotent_and_repairs_a_tampered_model()
    {
        var reference = ModelManifest.Load(await ImportedModels.GetManifestPathAsync("mobilenet_v2"));
        var outputRoot = Directory.CreateTempSubdirectory("cli-import-").FullName;
        try
        {
            string[] arguments = ["--model", "mobilenet_v2", "--out", outputRoot, "--cache", TestPaths.TarballCache, "--offline"];
            var modelPath = Path.Combine(outputRoot, "mobilenet_v2", "model.onnx");

            Assert.Equal(0, await ImportCommand.RunAsync(arguments, TextWriter.Null, TextWriter.Null));
            var manifest = ModelManifest.Load(Path.Combine(outputRoot, "mobilenet_v2", "model.json"));
            Assert.Equal(reference.Sha256, manifest.Sha256);

            var written = File.GetLastWriteTimeUtc(modelPath);
            using var again = new StringWriter();
            Assert.Equal(0, await ImportCommand.RunAsync(arguments, again, TextWriter.Null));
            Assert.Contains("up to date", again.ToString(), StringComparison.Ordinal);
            Assert.Equal(written, File.GetLastWriteTimeUtc(modelPath));

            await File.AppendAllTextAsync(modelPath, "tampered");
            Assert.Equal(0, await ImportCommand.RunAsync(arguments, TextWriter.Null, TextWriter.Null));
            Assert.Equal(reference.Sha256, ModelManifest.ComputeSha256(modelPath));
        }
        finally
        {
            Directory.Delete(outputRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Command_line_refuses_an_unknown_model_naming_the_known_ones()
    {
        using var error = new StringWriter();

        var exitCode = await ImportCommand.RunAsync(["--model", "resnet50", "--out", Path.GetTempPath(), "--offline"], TextWriter.Null, error);

        Assert.Equal(1, exitCode);
        Assert.Contains("resnet50", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("mobilenet_v2, inception_v3", error.ToString(), StringComparison.Ordinal);
    }
}
