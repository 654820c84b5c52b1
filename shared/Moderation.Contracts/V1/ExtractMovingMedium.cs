namespace Moderation.Contracts.V1;

/// <summary>
/// The frame extractor's hand-off to itself: a submission that turned out to be a video or an animation, moved from the
/// submissions queue (where stills are answered in milliseconds) to the queue of moving media (where one extraction
/// takes seconds to minutes), so that no still ever waits behind a video. Only the frame extractor publishes and
/// consumes it; the submission travels unchanged.
/// </summary>
/// <param name="Submission">The submission as ingest published it.</param>
public sealed record ExtractMovingMedium(MediaSubmitted Submission) : IMediaMessage
{
    public Guid MediaId => Submission.MediaId;

    public Guid CorrelationId => Submission.CorrelationId;
}
