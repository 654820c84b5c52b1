namespace Moderation.ModelImport;

/// <summary>The model cannot be imported; the message says why in terms of the source model.</summary>
internal class ModelImportException(string message) : Exception(message);

/// <summary>A layer (or a setting of it) the converter has no ONNX translation for.</summary>
internal sealed class UnsupportedLayerException : ModelImportException
{
    public UnsupportedLayerException(string layerName, string className, IEnumerable<string> supportedClasses)
        : base($"Layer '{layerName}' is a {className}, which the importer does not support. Supported layer types: {string.Join(", ", supportedClasses.Order(StringComparer.Ordinal))}.")
    {
        LayerName = layerName;
        ClassName = className;
    }

    public UnsupportedLayerException(string layerName, string className, string reason)
        : base($"Layer '{layerName}' ({className}) cannot be imported: {reason}")
    {
        LayerName = layerName;
        ClassName = className;
    }

    public string LayerName { get; }

    public string ClassName { get; }
}

/// <summary>A downloaded package does not have the pinned integrity hash.</summary>
internal sealed class PackageIntegrityException(string message) : ModelImportException(message);
