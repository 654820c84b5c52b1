namespace Moderation.Contracts.V1;

/// <summary>Scheduling lane. Urgent work travels on its own queues so a backfill never delays a live upload.</summary>
public enum SubmissionPriority
{
    Normal = 0,
    Urgent = 1,
    Bulk = 2,
}

/// <summary>
/// Submission lanes as AMQP message priorities. Quorum queues on RabbitMQ 3.x ignore priorities; from 4.0 they serve
/// priorities above 4 first, so <c>urgent</c> overtakes, while classic priority queues order all three.
/// </summary>
public static class SubmissionPriorities
{
    public static byte ToMessagePriority(this SubmissionPriority priority) => priority switch
    {
        SubmissionPriority.Urgent => 9,
        SubmissionPriority.Bulk => 0,
        _ => 4,
    };
}
