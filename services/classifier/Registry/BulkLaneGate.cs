using Microsoft.Extensions.Options;

namespace Moderation.Classifier.Registry;

/// <summary>
/// Keeps the bulk lane (backfills) out of live traffic's way: a bulk batch runs when no live frame is in flight and none
/// finished within the last moment (the live queue is empty), or on credit that live frames earn at
/// <see cref="ClassifierOptions.BulkMaxShare"/> — so under load bulk frames are at most that share of what is scored.
/// </summary>
public sealed class BulkLaneGate(IOptions<ClassifierOptions> options, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly double _creditPerLiveFrame = options.Value.BulkMaxShare / (1 - options.Value.BulkMaxShare);
    private readonly double _maxCredit = options.Value.MaxBatchSize * 2.0;

    // A live batch is collected for up to MaxBatchWait before it is handed over; quiet for a few of those means empty.
    private readonly TimeSpan _quiet = options.Value.MaxBatchWait * 5 + TimeSpan.FromMilliseconds(20);
    private int _liveInFlight;
    private double _credit;
    private DateTimeOffset _lastLive = DateTimeOffset.MinValue;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void LiveStarted(int frames)
    {
        lock (_lock)
        {
            _liveInFlight += frames;
            _lastLive = clock.GetUtcNow();
        }
    }

    public void LiveFinished(int frames)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _liveInFlight -= frames;
            _lastLive = clock.GetUtcNow();
            _credit = Math.Min(_maxCredit, _credit + (frames * _creditPerLiveFrame));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until <paramref name="frames"/> bulk frames may be scored.</summary>
    public async Task WaitTurnAsync(int frames, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_lock)
            {
                var idleFor = clock.GetUtcNow() - _lastLive;
                if (_liveInFlight == 0 && idleFor >= _quiet)
                {
                    return;
                }

                if (_credit >= Math.Min(frames, _maxCredit))
                {
                    _credit = Math.Max(0, _credit - frames);
                    return;
                }

                changed = _changed.Task;
                wait = _liveInFlight == 0 ? _quiet - idleFor : _quiet;
            }

            // Woken by the next live batch finishing (credit, or the start of a quiet spell), or when the spell is long enough.
            try
            {
                await changed.WaitAsync(wait, clock, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }
}
