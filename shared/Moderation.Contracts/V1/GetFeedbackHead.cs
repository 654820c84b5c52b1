namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results): the newest published feedback head trained on <paramref name="ModelName"/>
/// <paramref name="BaseModelVersion"/>. Classifier workers ask periodically, so a head published by the nightly training
/// reaches every worker, and a withdrawn one leaves them, without a shared file system or a restart.
/// </summary>
public sealed record GetFeedbackHead(string ModelName, string BaseModelVersion);

/// <summary>Response to <see cref="GetFeedbackHead"/>: the head file (format <c>moderation-head/1</c>), or nulls when none is published.</summary>
public sealed record FeedbackHeadAnswer(string? Version, string? HeadJson);
