using System.Diagnostics.Metrics;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Aggregation;

/// <summary>The results service's instruments on the shared "Moderation" meter.</summary>
public sealed class ResultsMetrics
{
    private readonly Counter<long> _verdicts;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _callbacks;
    private readonly Counter<long> _reviews;
    private readonly Histogram<int> _transactionMedia;
    private readonly Counter<long> _bankMatches;

    public ResultsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Telemetry.MeterName);
        _verdicts = meter.CreateCounter<long>("moderation.results.verdicts", description: "Automatic verdicts by decision.");
        _failures = meter.CreateCounter<long>("moderation.results.failures", description: "Media that ended in failure, by reason.");
        _duplicates = meter.CreateCounter<long>("moderation.results.duplicate_frames", description: "Redelivered frame scores ignored.");
        _latency = meter.CreateHistogram<double>("moderation.results.verdict_latency", "s", "From submission to automatic verdict.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Telemetry.DurationBuckets });
        _callbacks = meter.CreateCounter<long>("moderation.results.callbacks", description: "Callback delivery attempts by outcome.");
        _reviews = meter.CreateCounter<long>("moderation.results.reviews", description: "Reviewer decisions by decision.");
        _transactionMedia = meter.CreateHistogram<int>("moderation.results.transaction.media", "{media}",
            "Media changed by one transaction: the pipeline's batching at work.");
        _bankMatches = meter.CreateCounter<long>("moderation.results.bank_matches", description: "Frames that matched a hash bank.");
    }

    public void BankMatches(int matches) => _bankMatches.Add(matches);

    public void Transaction(int media) => _transactionMedia.Record(media);

    public void Verdict(Decision decision, bool early, TimeSpan? latency)
    {
        _verdicts.Add(1, new("decision", decision.ToString()), new("early", early));
        if (latency is { } value)
        {
            _latency.Record(value.TotalSeconds, new KeyValuePair<string, object?>("decision", decision.ToString()));
        }
    }

    public void Failed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DuplicateFrame() => _duplicates.Add(1);

    public void Callback(string outcome) => _callbacks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Reviewed(Decision decision) => _reviews.Add(1, new KeyValuePair<string, object?>("decision", decision.ToString()));
}
