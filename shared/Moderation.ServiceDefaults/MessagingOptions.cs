using System.ComponentModel.DataAnnotations;

namespace Moderation.ServiceDefaults;

/// <summary>Settings of the RabbitMQ bus shared by every service (section <c>Messaging</c>).</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>
    /// In-process retries before a message goes to its <c>_error</c> queue. With the exponential intervals below the
    /// default rides out about three minutes of a restarting database or broker, so an outage never dead-letters work.
    /// </summary>
    [Range(0, 30)]
    public int RetryLimit { get; set; } = 12;

    /// <summary>First retry interval; each later one doubles, up to <see cref="RetryMaxInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages the broker may push to a consumer before acks (per endpoint, unless a definition sizes it).</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>Quorum queues (replicated, durable, poison-message aware). Turn off only for throwaway brokers.</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>
    /// Prefix for every queue this deployment declares, so several clusters can share a broker: <c>blue</c> names the
    /// extractor's queue <c>blue-extract-frames</c> (<see cref="Contracts.QueueNames.Prefixed"/>). The joining hyphen is
    /// added, so the prefix may not end in one (the services once disagreed on whether to add a second).
    /// </summary>
    [RegularExpression("^([a-z0-9-]*[a-z0-9])?$", ErrorMessage = "Messaging:QueuePrefix takes lower-case letters, digits and hyphens, and does not end in a hyphen (one is added).")]
    public string QueuePrefix { get; set; } = "";
}
