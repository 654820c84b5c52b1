using Moderation.Contracts.V1;
using Moderation.Results.Data;

namespace Moderation.Results.Lifecycle;

/// <summary>
/// What a transition of <see cref="MediumLifecycle"/> asks its caller to persist or report, in the medium's
/// transaction (see <see cref="Aggregation.LifecycleRecorder"/>). The changes of the medium's own row and of its
/// stored maxima are made in place and are not repeated here.
/// </summary>
public abstract record LifecycleEffect;

/// <summary>A frame's scores to store under their (medium, frame, model version) key.</summary>
public sealed record FrameStored(FrameScore Row) : LifecycleEffect;

/// <summary>The first score of a class for the medium: its running-maximum row to insert.</summary>
public sealed record MaximumOpened(ClassMaximumRow Row) : LifecycleEffect;

/// <summary>A frame's PDQ hash to store, with the hash-bank matches it made.</summary>
public sealed record HashStored(MediumHash Row, IReadOnlyList<MediumMatch> Matches) : LifecycleEffect;

/// <summary>A frame whose key is stored already arrived again and changed nothing.</summary>
public sealed record FrameRedelivered(int FrameIndex, string ModelVersion) : LifecycleEffect;

/// <summary>A submission of a registered medium arrived again (and added nothing) and changed nothing.</summary>
public sealed record SubmissionRedelivered : LifecycleEffect;

/// <summary>Extraction reported a frame count different from the one known; the later count wins.</summary>
public sealed record FrameCountRevised(int Before, int After) : LifecycleEffect;

/// <summary>
/// The medium's automatic verdict: the row to insert, its announcement (<see cref="VerdictReached"/> and the
/// callback), on an early exit the <see cref="MediaDecided"/> that stops the extractor, and the review task when the
/// verdict goes to a reviewer.
/// </summary>
public sealed record Decided(Verdict Verdict, VerdictReached Announcement, MediaDecided? EarlyExit, ReviewTask? Review) : LifecycleEffect;

/// <summary>The medium failed.</summary>
public sealed record FailureRecorded(MediaFailure Failure) : LifecycleEffect;

/// <summary>A failure reached a medium already concluded (in <paramref name="State"/>) and changed nothing.</summary>
public sealed record FailureIgnored(MediaFailure Failure, string State) : LifecycleEffect;

/// <summary>The submitter's callback URL is to hear of the medium's failure.</summary>
public sealed record FailureCallbackDue(MediaFailure Failure) : LifecycleEffect;

/// <summary>A reviewer changed the decision in force: announced like a verdict, with <c>ByReviewer</c>.</summary>
public sealed record DecisionAnnounced(VerdictReached Announcement) : LifecycleEffect;

/// <summary>
/// An undone review put an earlier decision back in force. Whether it is announced depends on what already left the
/// outbox (see <see cref="Review.ReviewUndoService"/>).
/// </summary>
public sealed record DecisionRestored(VerdictReached Announcement) : LifecycleEffect;

/// <summary>A message about an erased medium shows something still works on it: tell the pipeline again.</summary>
public sealed record ErasureAnnounced(Guid MediaId) : LifecycleEffect;
