using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moderation.Results.Feedback;

/// <summary>
/// <c>head.json</c>: a feedback-trained head the classifier applies on top of its base model. For each listed class
/// the classifier replaces the base probability with <c>sigmoid(dot(Weights, embedding) + Bias)</c>, computed on the
/// base model's embedding output; other classes keep the base scores. Frames scored with a head report
/// <see cref="Version"/> as their model version. Documented in docs/results.md.
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

    /// <summary>Score of <paramref name="cls"/> for one embedding, as the classifier computes it.</summary>
    public double? Score(string cls, ReadOnlySpan<float> embedding)
    {
        var head = Classes.FirstOrDefault(c => c.Class == cls);
        return head is null ? null : new LogisticModel(head.Weights, head.Bias).Probability(embedding);
    }
}

/// <param name="OperatingThreshold">The policy threshold the bias was calibrated to when the head was trained.</param>
public sealed record HeadClass(
    [property: JsonPropertyName("class")] string Class,
    float[] Weights,
    float Bias,
    double OperatingThreshold);
