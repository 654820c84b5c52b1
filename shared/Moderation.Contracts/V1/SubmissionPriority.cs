namespace Moderation.Contracts.V1;

/// <summary>Scheduling lane. Urgent work travels on its own queues so a backfill never delays a live upload.</summary>
public enum SubmissionPriority
{
    Normal = 0,
    Urgent = 1,
    Bulk = 2,
}
