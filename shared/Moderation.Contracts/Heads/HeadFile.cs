using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moderation.Contracts.Heads;

/// <summary>
/// <c>head.json</c> (format <c>moderation-head/1</c>): a feedback-trained head that results fits on reviewers' decisions
/// and the classifier applies on top of its base model. For each listed class the classifier replaces the base
/// probability with <c>sigmoid(dot(Weights, embedding) + Bias)</c>, computed on the base model's embedding output; other
/// classes keep the base scores. Frames scored with a head report <see cref="Version"/> as their model version.
/// Documented in docs/results.md.
/// </summary>
public sealed record HeadFile(
    string Format,
    string Version,
    string ModelName,
    string BaseModelVersion,
    int EmbeddingSize,
    DateTimeOffset CreatedAt,
    IReadOnlyList<HeadClass> Classes)
{
    public const string CurrentFormat = "moderation-head/1";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static HeadFile Parse(string json) =>
        JsonSerializer.Deserialize<HeadFile>(json, Json) ?? throw new InvalidDataException("Empty head file.");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Score of <paramref name="cls"/> for one embedding, or null when the head does not cover the class.</summary>
    public double? Score(string cls, ReadOnlySpan<float> embedding) =>
        Classes.FirstOrDefault(c => c.Class == cls) is { } head ? head.Probability(embedding) : null;

    /// <summary>
    /// Why this head cannot be applied to the model <paramref name="modelName"/> <paramref name="modelVersion"/> (another
    /// format, model, base version or embedding size, an unknown class, weights of the wrong length or not finite), or
    /// null when it can.
    /// </summary>
    public string? Incompatibility(string modelName, string modelVersion, int embeddingSize, IReadOnlyCollection<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (Format != CurrentFormat)
        {
            return $"format '{Format}' is not {CurrentFormat}";
        }

        if (ModelName != modelName || BaseModelVersion != modelVersion)
        {
            return $"it was trained on {ModelName} {BaseModelVersion}, the model is {modelName} {modelVersion}";
        }

        if (EmbeddingSize != embeddingSize)
        {
            return $"its embedding size {EmbeddingSize} is not the model's {embeddingSize}";
        }

        if (string.IsNullOrWhiteSpace(Version) || Version == modelVersion)
        {
            return "its version must name it apart from the base model";
        }

        foreach (var head in Classes ?? [])
        {
            if (!classes.Contains(head.Class))
            {
                return $"class '{head.Class}' is not one of the model's";
            }

            if (head.Weights is null || head.Weights.Length != EmbeddingSize || !head.Weights.All(float.IsFinite) || !float.IsFinite(head.Bias))
            {
                return $"the weights of class '{head.Class}' are not {EmbeddingSize} finite numbers";
            }
        }

        return Classes is { Count: > 0 } ? null : "it has no classes";
    }
}

/// <param name="OperatingThreshold">The policy threshold the bias was calibrated to when the head was trained.</param>
public sealed record HeadClass(
    [property: JsonPropertyName("class")] string Class,
    float[] Weights,
    float Bias,
    double OperatingThreshold)
{
    /// <summary><c>sigmoid(dot(Weights, embedding) + Bias)</c>, in double precision.</summary>
    public double Probability(ReadOnlySpan<float> embedding)
    {
        var z = (double)Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            z += Weights[i] * (double)embedding[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }
}
