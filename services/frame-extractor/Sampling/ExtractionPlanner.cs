using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Media;
using Moderation.FrameExtractor.Options;

namespace Moderation.FrameExtractor.Sampling;

/// <summary>
/// Turns a probed medium into frames and decode segments. Planned timestamps come from <see cref="SamplingRule"/>.
/// When hitting each of them exactly fits the decode budget, each gets the frame on screen at that time; otherwise each
/// snaps to the nearest keyframe within the tolerance (decoding only keyframes, ~10× cheaper) and only timestamps
/// far from any keyframe are decoded exactly. Segments are cut at keyframes so they run in parallel without overlap.
/// </summary>
public sealed class ExtractionPlanner(IOptions<SamplingOptions> sampling, IOptions<ExtractionOptions> extraction)
{
    /// <summary>Relative cost of decoding one keyframe (intra-coded) versus one predicted frame.</summary>
    private const double KeyframeCost = 3;

    /// <summary>A segment's least cost in predicted-frame decodes: starting ffmpeg costs about as much as decoding this many.</summary>
    private const double MinimumSegmentCost = 300;

    public ExtractionPlan Plan(ProbedMedium medium)
    {
        var options = sampling.Value;
        var frames = medium.Frames;
        var schedule = SamplingRule.For(medium.DurationSeconds, options);
        var planned = schedule.Timestamps.Select(t => medium.Origin + t).ToList();

        var exact = planned.Select(frames.FrameAt).Distinct().Order().ToList();
        var megapixelsPerFrame = medium.Visual.Pixels / 1e6;
        var exactCost = DecodeCost(frames, exact) * megapixelsPerFrame;
        var useExact = medium.Kind != MediaKind.Video || exactCost <= options.ExactDecodeBudgetMegapixels;
        var positions = useExact ? exact : Snap(frames, planned, schedule.IntervalSeconds * options.KeyframeTolerance);

        var plannedFrames = positions
            .Select((position, index) => new PlannedFrame(index, frames.Timestamps[position], frames.Timestamps[position] - medium.Origin, frames.IsKeyframe[position], position))
            .ToList();
        var segments = medium.Kind == MediaKind.Video && medium.Probe.SupportsIndexedSeeking
            ? Segment(frames, plannedFrames)
            : [WholeMedium(frames, plannedFrames)];
        return new ExtractionPlan(medium.Kind, schedule, medium.DurationSeconds, plannedFrames, segments, useExact);
    }

    /// <summary>Frame positions after snapping each planned time to the nearest keyframe within <paramref name="tolerance"/> seconds.</summary>
    private static List<int> Snap(FrameTable frames, IEnumerable<double> planned, double tolerance)
    {
        var positions = new SortedSet<int>();
        foreach (var time in planned)
        {
            var keyframe = frames.NearestKeyframe(time);
            positions.Add(keyframe is { } k && Math.Abs(k - time) <= tolerance + 1e-9 ? frames.FrameAt(k) : frames.FrameAt(time));
        }

        return positions.ToList();
    }

    /// <summary>Predicted-frame decodes needed to reach every position from its keyframe, GOP by GOP.</summary>
    private static double DecodeCost(FrameTable frames, IReadOnlyList<int> positions) =>
        positions.GroupBy(p => GopStart(frames, p)).Sum(g => GroupCost(g.Key, g.Max(), frames));

    private static double GroupCost(int gopStart, int lastPosition, FrameTable frames) =>
        lastPosition == gopStart && frames.IsKeyframe[gopStart] ? KeyframeCost : lastPosition - gopStart + KeyframeCost;

    private static int GopStart(FrameTable frames, int position) => frames.GopStart(position);

    /// <summary>
    /// Groups frames by GOP; a GOP whose only frame is its keyframe decodes keyframes only, any other decodes fully up
    /// to its last frame. Runs of the same mode become segments (fully decoded runs only while their GOPs are adjacent,
    /// since seeking past a GOP is cheaper than decoding it), capped in cost so the segments spread over the workers.
    /// </summary>
    private List<DecodeSegment> Segment(FrameTable frames, List<PlannedFrame> planned)
    {
        var gops = planned
            .GroupBy(f => GopStart(frames, f.Position))
            .Select(g =>
            {
                var last = g.Max(f => f.Position);
                var keyOnly = g.All(f => f.Position == g.Key && f.Keyframe);
                return (Start: g.Key, Frames: g.ToList(), KeyOnly: keyOnly, Cost: GroupCost(g.Key, last, frames), NextGop: frames.NextGopStart(g.Key));
            })
            .OrderBy(g => g.Start)
            .ToList();

        var total = gops.Sum(g => g.Cost);
        var maxCost = Math.Max(MinimumSegmentCost, total / (extraction.Value.SegmentParallelism * 2.0));
        var segments = new List<DecodeSegment>();
        var current = new List<PlannedFrame>();
        (int Start, bool KeyOnly, double Cost, int NextGop) run = default;
        foreach (var gop in gops)
        {
            var continues = current.Count > 0 && run.KeyOnly == gop.KeyOnly && run.Cost + gop.Cost <= maxCost &&
                (gop.KeyOnly || gop.Start == run.NextGop);
            if (!continues && current.Count > 0)
            {
                segments.Add(new DecodeSegment(segments.Count, frames.Timestamps[run.Start], run.KeyOnly, current));
                current = [];
            }

            run = current.Count == 0 ? (gop.Start, gop.KeyOnly, gop.Cost, gop.NextGop) : (run.Start, run.KeyOnly, run.Cost + gop.Cost, gop.NextGop);
            current.AddRange(gop.Frames);
        }

        if (current.Count > 0)
        {
            segments.Add(new DecodeSegment(segments.Count, frames.Timestamps[run.Start], run.KeyOnly, current));
        }

        return segments;
    }

    /// <summary>One sequential pass without seeking (animations, stills, containers without a reliable index).</summary>
    private static DecodeSegment WholeMedium(FrameTable frames, List<PlannedFrame> planned) =>
        new(0, double.NaN, planned.All(f => f.Keyframe) && frames.Count > 1, planned);
}
