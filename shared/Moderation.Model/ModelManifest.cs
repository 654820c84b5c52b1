using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moderation.Model;

/// <summary>
/// <c>model.json</c>, written by tools/model-import beside the .onnx file. Services read the input size, class names,
/// normalisation and output names from here; nothing about the model is hard-coded elsewhere.
/// </summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    /// <summary>File name of the ONNX graph, relative to the manifest.</summary>
    public required string File { get; init; }

    /// <summary>Lower-case hex SHA-256 of <see cref="File"/>; a worker refuses to start on mismatch.</summary>
    public required string Sha256 { get; init; }

    public required ModelSource Source { get; init; }

    public required ModelInput Input { get; init; }

    public required ModelOutputs Outputs { get; init; }

    /// <summary>Class names in output order (nsfwjs: Drawing, Hentai, Neutral, Porn, Sexy).</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Tool and revision that wrote the model (e.g. <c>moderation-model-import/1</c>); the importer rebuilds
    /// models written by another revision.</summary>
    public string? Producer { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // Keeps integrity strings readable ("+" rather than "\u002B"); manifests are files, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ModelManifest Load(string manifestPath)
    {
        using var stream = System.IO.File.OpenRead(manifestPath);
        return JsonSerializer.Deserialize<ModelManifest>(stream, JsonOptions)
            ?? throw new InvalidDataException($"{manifestPath} is empty.");
    }

    public void Save(string manifestPath) =>
        System.IO.File.WriteAllText(manifestPath, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Full path of the ONNX file after checking its SHA-256 against the manifest.</summary>
    /// <exception cref="ModelIntegrityException">The file is missing or its hash differs.</exception>
    public string VerifiedModelPath(string manifestPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, File);
        if (!System.IO.File.Exists(path))
        {
            throw new ModelIntegrityException($"Model file {path} named by {manifestPath} does not exist.");
        }

        var actual = ComputeSha256(path);
        if (!string.Equals(actual, Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelIntegrityException($"Model file {path} has SHA-256 {actual}, but {manifestPath} expects {Sha256}. Refusing to load it.");
        }

        return path;
    }

    public static string ComputeSha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>Where the weights came from (npm package, version, integrity of the tarball, path inside it).</summary>
public sealed record ModelSource(string Package, string PackageVersion, string Integrity, string Path, string License);

/// <summary>How an image becomes the model's input tensor.</summary>
/// <param name="Name">Input tensor name in the graph.</param>
/// <param name="Layout">Tensor layout, e.g. <c>NHWC</c>.</param>
/// <param name="ColorOrder">Channel order, e.g. <c>RGB</c>.</param>
/// <param name="Resize">Resize method, e.g. <c>bilinear-align-corners</c> (tf.image.resizeBilinear with alignCorners=true).</param>
/// <param name="Scale">Multiplier applied to 0–255 channel values (1/255).</param>
/// <param name="Offset">Added after scaling.</param>
public sealed record ModelInput(string Name, int Width, int Height, int Channels, string Layout, string ColorOrder, string Resize, float Scale, float Offset)
{
    public const string LayoutNhwc = "NHWC";
    public const string LayoutNchw = "NCHW";
    public const string ColorOrderRgb = "RGB";
    public const string ColorOrderBgr = "BGR";

    /// <summary>tf.image.resizeBilinear(alignCorners=true, halfPixelCenters=false), as nsfwjs does.</summary>
    public const string ResizeBilinearAlignCorners = "bilinear-align-corners";

    /// <summary>Number of floats one image occupies in the input tensor.</summary>
    [JsonIgnore]
    public int TensorLength => Width * Height * Channels;
}

/// <summary>Output tensor names: class probabilities and the penultimate embedding, and the optional class activation maps.</summary>
public sealed record ModelOutputs(string Probabilities, string Embedding, int EmbeddingSize)
{
    /// <summary>
    /// The last convolutional feature map, channels last (batch, height, width, channels); null when the graph has none.
    /// </summary>
    public string? FeatureMap { get; init; }

    /// <summary>
    /// Class activation maps (batch, height, width, classes): per cell of the last feature map, each class's share of its
    /// logit (Grad-CAM with the dense head's closed-form gradient); null when the graph has none (models imported before).
    /// </summary>
    public ClassActivationOutput? ClassActivation { get; init; }
}

/// <summary>The class activation output and the size of its grid.</summary>
public sealed record ClassActivationOutput(string Name, int Height, int Width)
{
    /// <summary>Floats per image: one map of <see cref="Height"/> × <see cref="Width"/> per class, classes last.</summary>
    public int LengthFor(int classCount) => Height * Width * classCount;
}

public sealed class ModelIntegrityException(string message) : Exception(message);
