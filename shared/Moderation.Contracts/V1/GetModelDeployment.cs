namespace Moderation.Contracts.V1;

/// <summary>
/// Request (answered by results): which registered versions of the model <paramref name="Name"/> are deployed. Classifier
/// workers with <c>Classifier:ModelName</c> ask at start and every <c>Classifier:ModelReloadInterval</c>, so a promotion,
/// a rollback or a new shadow reaches every worker without a restart.
/// </summary>
public sealed record GetModelDeployment(string Name);

/// <summary>
/// Response to <see cref="GetModelDeployment"/>: the <paramref name="Active"/> version (its scores decide), the
/// <paramref name="Shadow"/> version scored beside it on <paramref name="ShadowShare"/> of live media (its scores are
/// only stored), either null when none is set.
/// </summary>
public sealed record ModelDeploymentAnswer(string Name, RegisteredModel? Active, RegisteredModel? Shadow, double ShadowShare);

/// <summary>Request (answered by results): one registered version, for the backfill lane's <see cref="RescoreFrame"/>s.</summary>
public sealed record GetModelVersion(string Name, string Version);

/// <summary>Response to <see cref="GetModelVersion"/>: the version, or null when it is not registered.</summary>
public sealed record ModelVersionAnswer(RegisteredModel? Model);
