using System.Diagnostics.Metrics;
using Moderation.ServiceDefaults;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>The extractor's own measurements, on the shared "Moderation" meter.</summary>
public sealed class ExtractionMetrics
{
    public ExtractionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Telemetry.MeterName);
        Frames = meter.CreateCounter<long>("moderation.extractor.frames", "{frame}", "Frames extracted and published.");
        Media = meter.CreateCounter<long>("moderation.extractor.media", "{medium}", "Media finished, by kind and outcome (completed, cancelled, failed).");
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = Telemetry.DurationBuckets };
        Duration = meter.CreateHistogram<double>("moderation.extractor.duration", "s", "Probe to last frame of one medium.", advice: seconds);
        FirstFrame = meter.CreateHistogram<double>("moderation.extractor.first_frame", "s", "Probe to first published frame of one medium.", advice: seconds);
        HashSeconds = meter.CreateHistogram<double>("moderation.extractor.pdq_hash", "s", "Decode and PDQ-hash one frame (all eight orientations).", advice: seconds);
    }

    public Counter<long> Frames { get; }

    public Counter<long> Media { get; }

    public Histogram<double> Duration { get; }

    public Histogram<double> FirstFrame { get; }

    public Histogram<double> HashSeconds { get; }
}
