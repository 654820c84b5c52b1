namespace Moderation.Contracts.V1;

/// <summary>One model's raw probabilities for a frame (parity with the reference model holds per model).</summary>
public sealed record ModelScores(string ModelName, string ModelVersion, IReadOnlyDictionary<string, float> Scores);
