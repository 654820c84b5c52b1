using Moderation.Contracts.V1;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.Intake;

/// <summary>Everything about a submission except its bytes, already validated.</summary>
public sealed record SubmissionRequest(
    string ClientId,
    SubmissionSource Source,
    string? IdempotencyKey,
    string? ExternalId,
    string? CallbackUrl,
    SubmissionPriority Priority,
    string? Policy,
    string? SourceUrl);

/// <summary>How a submission ended: accepted for classification, or answered with an existing verdict.</summary>
public abstract record SubmissionOutcome(Submission Submission);

public sealed record AcceptedSubmission(Submission Submission) : SubmissionOutcome(Submission);

public sealed record DuplicateSubmission(Submission Submission, MediaStatus Existing) : SubmissionOutcome(Submission);
