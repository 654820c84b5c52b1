namespace Moderation.Contracts;

/// <summary>
/// The durable queue of every receive endpoint in the cluster, one constant each, documented in docs/messages.md
/// ("Queues"). Consumer definitions take their endpoint name from here (prefixed with <c>Messaging:QueuePrefix</c> by
/// <see cref="Prefixed"/>), so renaming a consumer class cannot rename a queue: deployed brokers, KEDA triggers
/// (deploy/k8s/base/autoscaling/keda.yaml), ingest's back-pressure and the RabbitMQ permission expressions all name
/// these queues. The names are those MassTransit's kebab-case formatter derived from the consumer classes before they
/// were fixed here; changing one is a migration (old queue drained, permissions and triggers updated), never a rename.
/// Per-replica temporary queues (the extractor's <c>MediaDecided</c> and <c>MediumErased</c> listeners) are not listed:
/// they are created and deleted with each replica.
/// </summary>
public static class QueueNames
{
    /// <summary>Ingest answers <c>AuthenticateApiKey</c> requests (results' API authentication).</summary>
    public const string AuthenticateApiKey = "authenticate-api-key";

    /// <summary>
    /// Ingest fetches the URL of a <c>SubmitMediaByUrl</c> (and of the previous, URL-only <c>MediaSubmitted</c> while
    /// deployments roll). The name predates <c>SubmitMediaByUrl</c> and is kept, so old and new ingest share the queue.
    /// </summary>
    public const string FetchSourceUrl = "fetch-source-url";

    /// <summary>The frame extractor's submissions queue (<c>MediaSubmitted</c>): stills are answered here.</summary>
    public const string ExtractFrames = "extract-frames";

    /// <summary>The frame extractor's queue of moving media (<c>ExtractMovingMedium</c>): videos and animations.</summary>
    public const string ExtractMovingMedium = "extract-moving-medium";

    /// <summary>The classifier's frames (<c>FrameExtracted</c>), consumed in batches.</summary>
    public const string FrameClassification = "frame-classification";

    /// <summary>
    /// The classifier's bulk lane (<c>RescoreFrame</c> of backfills): drained only while the live queue is idle, or at a
    /// capped share of inferences, so re-scoring the archive never delays live frames.
    /// </summary>
    public const string FrameClassificationBulk = "frame-classification-bulk";

    // Results' queues are named results-<message>: other services consume the same events (the extractor and ingest
    // take MediaSubmitted too), and each service needs its own queue bound to the event's exchange, not a share of one.

    public const string ResultsMediaSubmitted = "results-media-submitted";
    public const string ResultsFramesPlanned = "results-frames-planned";
    public const string ResultsFrameClassified = "results-frame-classified";
    public const string ResultsFrameFailed = "results-frame-failed";
    public const string ResultsFrameExtractionCompleted = "results-frame-extraction-completed";
    public const string ResultsMediaFailed = "results-media-failed";
    public const string ResultsGetMediaStatus = "results-get-media-status";
    public const string ResultsFindVerdictByContent = "results-find-verdict-by-content";
    public const string ResultsReuseVerdict = "results-reuse-verdict";
    public const string ResultsGetFeedbackHead = "results-get-feedback-head";
    public const string ResultsGetCascadeBands = "results-get-cascade-bands";
    public const string ResultsEraseMedium = "results-erase-medium";
    public const string ResultsCountContentReferences = "results-count-content-references";
    public const string ResultsApplyRetention = "results-apply-retention";
    public const string ResultsGetModelDeployment = "results-get-model-deployment";
    public const string ResultsGetModelVersion = "results-get-model-version";
    public const string ResultsFrameRescored = "results-frame-rescored";
    public const string ResultsFrameShadowScored = "results-frame-shadow-scored";
    public const string ResultsMatchFrameHash = "results-match-frame-hash";

    /// <summary>
    /// A queue's name on the broker: <paramref name="queue"/> with the deployment's <c>Messaging:QueuePrefix</c> and a
    /// hyphen in front when a prefix is set, so several clusters can share a broker.
    /// </summary>
    public static string Prefixed(string? prefix, string queue)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        return string.IsNullOrEmpty(prefix) ? queue : $"{prefix}-{queue}";
    }
}
