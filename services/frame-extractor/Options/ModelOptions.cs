using System.ComponentModel.DataAnnotations;

namespace Moderation.FrameExtractor.Options;

/// <summary>Section <c>Model</c>: the manifest whose input size frames are scaled to.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Path of the model's <c>model.json</c> (tools/model-import writes it).</summary>
    [Required]
    public string ManifestPath { get; set; } = "";
}
