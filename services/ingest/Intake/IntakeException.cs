using Microsoft.AspNetCore.Mvc;

namespace Moderation.Ingest.Intake;

/// <summary>
/// A submission refused with a problem the client can act on. <see cref="FailureReason"/> is the code a direct
/// publisher's medium fails with (<c>MediaFailed.Reason</c>) when the same refusal happens outside an HTTP request.
/// </summary>
public sealed class IntakeException(ProblemDetails problem, string failureReason, TimeSpan? retryAfter = null)
    : Exception(problem.Detail ?? problem.Title)
{
    public ProblemDetails Problem { get; } = problem;

    public string FailureReason { get; } = failureReason;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
