using System.Diagnostics;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Media;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>How one extraction ended.</summary>
public enum ExtractionOutcome
{
    Completed,
    Cancelled,
    Failed,

    /// <summary>Asked for stills only, found a video or an animation: nothing was published, the caller hands it on.</summary>
    Moving,
}

/// <summary>
/// One medium from submission to its last frame: locate the blob, probe, plan, announce the plan, decode the segments in
/// parallel and publish every frame the moment ffmpeg emits it, then announce the exact count. A well-formed still
/// picture starts no process at all: it is recognised in-process and its original blob goes to the classifier as its
/// one frame, marked for the classifier to PDQ-hash from its own decode and match against known content before the model
/// runs (<see cref="FrameExtracted.MatchKnownContent"/>): a still is decoded once. Every frame of a video or an
/// animation is PDQ-hashed from the picture ffmpeg emitted and, before it goes to the classifier, matched against known
/// content by results (<see cref="IKnownContent"/>): a frame of a medium known content decides is never published, and
/// the extraction stops. A decision from results
/// stops the remaining segments; problems with the medium end in <see cref="MediaFailed"/> with a stable reason.
/// The same file always yields the same frames with the same indices, so a redelivered submission is harmless.
/// </summary>
public sealed class MediaExtractor(
    IBlobStore blobs,
    MediaProber prober,
    StillImageProbe stills,
    ExtractionPlanner planner,
    IEnumerable<IFrameSource> sources,
    ExtractionRegistry registry,
    ExtractionMetrics metrics,
    FrameHashing hashing,
    IOptions<ExtractionOptions> options,
    TimeProvider clock,
    ILogger<MediaExtractor> logger,
    IKnownContent? knownContent = null)
{
    public const string Stage = "frame-extractor";

    /// <summary>Parent of the per-medium work directories (copies of non-local blobs, ffmpeg's working directory).</summary>
    public string ScratchRoot => options.Value.ScratchRoot;

    /// <summary>Extracts any medium: a still in-process, a video or an animation through ffmpeg.</summary>
    public Task<ExtractionOutcome> ExtractAsync(MediaSubmitted submitted, IExtractionPublisher publisher, CancellationToken cancellationToken) =>
        ExtractAsync(submitted, publisher, stillsOnly: false, cancellationToken);

    /// <summary>
    /// Extracts a still (or fails a medium whose blob is missing) and answers <see cref="ExtractionOutcome.Moving"/>,
    /// having published nothing, for a video or an animation: the submissions queue never waits on ffmpeg.
    /// </summary>
    public Task<ExtractionOutcome> ExtractStillAsync(MediaSubmitted submitted, IExtractionPublisher publisher, CancellationToken cancellationToken) =>
        ExtractAsync(submitted, publisher, stillsOnly: true, cancellationToken);

    private async Task<ExtractionOutcome> ExtractAsync(MediaSubmitted submitted, IExtractionPublisher publisher, bool stillsOnly, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = submitted.MediaId, ["CorrelationId"] = submitted.CorrelationId });
        using var activity = Telemetry.ActivitySource.StartActivity("extract frames");
        activity?.SetTag("moderation.media_id", submitted.MediaId);
        using var extraction = registry.Begin(submitted.MediaId, submitted.CorrelationId);
        using var timeout = new CancellationTokenSource(options.Value.Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, extraction.Decided, timeout.Token);
        var workDirectory = Directory.CreateDirectory(Path.Combine(ScratchRoot, $"{submitted.MediaId:N}-{Guid.NewGuid():N}")).FullName;
        var started = Stopwatch.StartNew();
        MediaKind? kind = null;
        try
        {
            var path = await LocateAsync(submitted, workDirectory, linked.Token);
            if (await stills.ProbeAsync(path, linked.Token) is { } still)
            {
                kind = MediaKind.Still;
                await PublishStillAsync(submitted, still, extraction, publisher, started, cancellationToken);
                return Finish(ExtractionOutcome.Completed, kind, started);
            }

            if (stillsOnly)
            {
                return ExtractionOutcome.Moving;
            }

            var medium = await prober.ProbeAsync(path, workDirectory, linked.Token);
            kind = medium.Kind;
            var plan = planner.Plan(medium);
            extraction.Planned(plan.Kind, plan.Frames.Count);
            logger.LogDebug(
                "Planned {Frames} frames of {Kind} {Format}/{Codec} {Width}x{Height} lasting {Duration:0.##} s: every {Interval:0.##} s, {Mode}, {Segments} segments, after {PlanSeconds:0.###} s",
                plan.Frames.Count, plan.Kind, medium.Probe.FormatName, medium.Visual.Codec, medium.Visual.Width, medium.Visual.Height,
                plan.DurationSeconds, plan.Schedule.IntervalSeconds, plan.ExactTimestamps ? "exact" : "keyframe-snapped", plan.Segments.Count, started.Elapsed.TotalSeconds);
            await publisher.PublishAsync(new FramesPlanned(submitted.MediaId, submitted.CorrelationId, plan.Kind, plan.Frames.Count, plan.DurationSeconds,
                plan.Schedule.IntervalSeconds, medium.Visual.Width, medium.Visual.Height, medium.Visual.Codec, submitted.Priority, clock.GetUtcNow()), linked.Token);

            await Parallel.ForEachAsync(plan.Segments, new ParallelOptions { MaxDegreeOfParallelism = options.Value.SegmentParallelism, CancellationToken = linked.Token },
                async (segment, token) => await ExtractSegmentAsync(submitted, path, workDirectory, medium, segment, extraction, publisher, started, token, cancellationToken));

            var published = extraction.PublishedFrames;
            if (published < plan.Frames.Count)
            {
                logger.LogWarning("ffmpeg emitted {Published} of {Planned} planned frames; the rest were undecodable", published, plan.Frames.Count);
            }

            await publisher.PublishAsync(new FrameExtractionCompleted(submitted.MediaId, submitted.CorrelationId, published, false, started.Elapsed), cancellationToken);
            logger.LogDebug("Extracted {Frames} frames in {Elapsed:0.###} s", published, started.Elapsed.TotalSeconds);
            return Finish(ExtractionOutcome.Completed, kind, started);
        }
        catch (OperationCanceledException) when (extraction.IsErased && !cancellationToken.IsCancellationRequested)
        {
            // Nothing more about an erased medium may be written anywhere: no completion, and the frames stored so far go.
            var deleted = await blobs.DeleteFramesAsync(submitted.MediaId, cancellationToken);
            logger.LogInformation("Stopped after {Frames} frames: the medium was erased; {Deleted} stored frames deleted", extraction.PublishedFrames, deleted);
            return Finish(ExtractionOutcome.Cancelled, kind, started);
        }
        catch (OperationCanceledException) when (extraction.IsDecided && !cancellationToken.IsCancellationRequested)
        {
            // Results decided the medium; frames already published stand, the rest are not needed.
            var published = extraction.PublishedFrames;
            await publisher.PublishAsync(new FrameExtractionCompleted(submitted.MediaId, submitted.CorrelationId, published, true, started.Elapsed), cancellationToken);
            logger.LogInformation("Stopped after {Frames} frames: the medium was decided", published);
            return Finish(ExtractionOutcome.Cancelled, kind, started);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await FailAsync(submitted, publisher, new MediaRejectedException(FailureReasons.ExtractionTimeout,
                $"Extraction did not finish within {options.Value.Timeout.TotalSeconds:0} s."), cancellationToken);
            return Finish(ExtractionOutcome.Failed, kind, started);
        }
        catch (MediaRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            await FailAsync(submitted, publisher, e, cancellationToken);
            return Finish(ExtractionOutcome.Failed, kind, started);
        }
        finally
        {
            TryDelete(workDirectory);
        }
    }

    /// <summary>
    /// A still's plan, which is also its outcome (<see cref="FramesPlanned.ExtractionComplete"/>: no completion message
    /// follows), and its one frame — the original blob, which the classifier decodes, hashes and, unless known content
    /// decides the still, scores — published together.
    /// </summary>
    private async Task PublishStillAsync(MediaSubmitted submitted, StillImage still, RunningExtraction extraction, IExtractionPublisher publisher,
        Stopwatch started, CancellationToken cancellationToken)
    {
        extraction.Planned(MediaKind.Still, 1);
        await Task.WhenAll(
            publisher.PublishAsync(new FramesPlanned(submitted.MediaId, submitted.CorrelationId, MediaKind.Still, 1, 0, 0, still.Width, still.Height,
                still.Format, submitted.Priority, clock.GetUtcNow()) { ExtractionComplete = true }, cancellationToken),
            publisher.PublishAsync(new FrameExtracted(submitted.MediaId, submitted.CorrelationId, 0, 0, null, submitted.BlobKey, still.Width, still.Height,
                submitted.Priority) { Policy = submitted.Policy, MatchKnownContent = knownContent is not null, ClientId = submitted.ClientId }, cancellationToken));
        extraction.FramePublished();
        metrics.Frames.Add(1);
        metrics.FirstFrame.Record(started.Elapsed.TotalSeconds);
        logger.LogDebug("Still {Format} {Width}x{Height} sent as its original in {Elapsed:0.####} s", still.Format, still.Width, still.Height, started.Elapsed.TotalSeconds);
    }

    private async Task ExtractSegmentAsync(MediaSubmitted submitted, string path, string workDirectory, ProbedMedium medium, DecodeSegment segment,
        RunningExtraction extraction, IExtractionPublisher publisher, Stopwatch started, CancellationToken cancellationToken, CancellationToken publishToken)
    {
        var pending = segment.Frames.ToList();
        var source = sources.Single(s => s.Name == medium.Source);
        await foreach (var frame in source.DecodeAsync(path, medium, segment, workDirectory, cancellationToken))
        {
            // ffmpeg keeps exactly the planned times, so the nearest pending plan entry is the frame's own.
            var planned = pending.MinBy(p => Math.Abs(p.Pts - frame.Pts))!;
            pending.Remove(planned);
            var timestamp = frame.Pts - medium.Origin;
            var outcome = await MatchAsync(submitted, medium.Kind, planned.Index, timestamp, hashing.HashPng(frame.Png), cancellationToken);
            if (outcome == FrameHashOutcome.Decided)
            {
                // Known content decided the medium: this frame and the rest are not needed (the completion says how many went).
                registry.Cancel(submitted.MediaId);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (outcome == FrameHashOutcome.Skip)
            {
                if (pending.Count == 0)
                {
                    break;
                }

                continue;
            }

            // A stored frame travels by its key (reviewers see the same picture the model saw); otherwise inline.
            string? frameKey = null;
            if (options.Value.StoreFrames)
            {
                frameKey = BlobStorageExtensions.FrameKey(submitted.MediaId, planned.Index);
                using var png = new MemoryStream(frame.Png, writable: false);
                await blobs.PutAsync(frameKey, png, publishToken);
            }

            // A decision stops decoding, never a publish half-way: every frame counted in the completion was confirmed.
            await publisher.PublishAsync(new FrameExtracted(submitted.MediaId, submitted.CorrelationId, planned.Index, timestamp,
                frameKey is null ? frame.Png : null, frameKey, frame.Width, frame.Height, submitted.Priority) { Policy = submitted.Policy }, publishToken);
            metrics.Frames.Add(1);
            if (extraction.FramePublished() == 1)
            {
                metrics.FirstFrame.Record(started.Elapsed.TotalSeconds);
            }

            if (pending.Count == 0)
            {
                break;
            }
        }
    }

    /// <summary>
    /// What results says of a hashed frame (<see cref="FrameHashOutcome.Classify"/> without a hash, or without results
    /// to ask, as in the benchmark).
    /// </summary>
    private async Task<FrameHashOutcome> MatchAsync(MediaSubmitted submitted, MediaKind kind, int frameIndex, double timestamp, HashedFrame? hashed,
        CancellationToken cancellationToken)
    {
        if (hashed is null || knownContent is null)
        {
            return FrameHashOutcome.Classify;
        }

        var answer = await knownContent.MatchAsync(new MatchFrameHash(submitted.MediaId, submitted.CorrelationId, submitted.ClientId, submitted.Policy, kind,
            frameIndex, timestamp, hashed.Hash.ToHex(), hashed.Quality, [.. hashed.Orientations.Select(o => o.ToHex())]), cancellationToken);
        if (answer.Outcome != FrameHashOutcome.Classify)
        {
            logger.LogInformation("Frame {FrameIndex} at {Timestamp:0.###} s: {Outcome} by known content ({Decision})", frameIndex, timestamp, answer.Outcome,
                answer.Decision);
        }

        return answer.Outcome;
    }

    /// <summary>The medium as a local file: the blob store's own path when it has one, else a copy in the work directory.</summary>
    private async Task<string> LocateAsync(MediaSubmitted submitted, string workDirectory, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(submitted.BlobKey))
        {
            throw new MediaRejectedException(FailureReasons.BlobMissing, string.IsNullOrEmpty(submitted.SourceUrl)
                ? "The submission names no blob."
                : "The submission names only a SourceUrl; ingest fetches URLs and submits the stored blob, the extractor reads stored blobs only.");
        }

        string? local;
        try
        {
            local = blobs.TryGetLocalPath(submitted.BlobKey);
        }
        catch (ArgumentException e)
        {
            throw new MediaRejectedException(FailureReasons.BlobMissing, $"'{submitted.BlobKey}' is not a valid blob key.", e);
        }

        if (local is not null && File.Exists(local))
        {
            return local;
        }

        await using var source = await blobs.OpenReadAsync(submitted.BlobKey, cancellationToken)
            ?? throw new MediaRejectedException(FailureReasons.BlobMissing, $"Blob '{submitted.BlobKey}' does not exist.");
        // No extension: ffmpeg must recognise the content by its bytes, never by a name.
        var copy = Path.Combine(workDirectory, "medium");
        await using (var target = File.Create(copy))
        {
            await source.CopyToAsync(target, cancellationToken);
        }

        return copy;
    }

    private async Task FailAsync(MediaSubmitted submitted, IExtractionPublisher publisher, MediaRejectedException e, CancellationToken cancellationToken)
    {
        logger.LogWarning("Medium failed: {Reason}: {Detail}", e.Reason, e.Message);
        await publisher.PublishAsync(new MediaFailed(submitted.MediaId, submitted.CorrelationId, e.Reason, e.Message, Stage, clock.GetUtcNow()), cancellationToken);
    }

    private ExtractionOutcome Finish(ExtractionOutcome outcome, MediaKind? kind, Stopwatch started)
    {
        var tags = new TagList { { "outcome", outcome.ToString().ToLowerInvariant() }, { "kind", kind?.ToString().ToLowerInvariant() ?? "unknown" } };
        metrics.Media.Add(1, tags);
        metrics.Duration.Record(started.Elapsed.TotalSeconds, tags);
        return outcome;
    }

    private void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not remove the work directory {Directory}", directory);
        }
    }
}
