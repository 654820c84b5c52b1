using Microsoft.Extensions.Options;
using Moderation.Classifier.Registry;

namespace Moderation.Classifier.Tests;

/// <summary>
/// The bulk lane never delays live frames: a bulk batch waits while live frames are in flight and goes once the live lane
/// is idle, or on the credit live frames earn at <see cref="ClassifierOptions.BulkMaxShare"/>.
/// </summary>
public sealed class BulkLaneGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Long enough to see that a waiting bulk batch is not let through by itself.</summary>
    private static readonly TimeSpan Held = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Bulk_frames_wait_while_live_frames_are_in_flight_and_go_once_the_live_lane_is_idle()
    {
        var gate = Gate(share: 0);
        gate.LiveStarted(8);
        var turn = gate.WaitTurnAsync(8, CancellationToken.None);
        Assert.NotSame(turn, await Task.WhenAny(turn, Task.Delay(Held)));

        gate.LiveFinished(8);
        await turn.WaitAsync(Patience);
    }

    [Fact]
    public async Task Live_frames_earn_the_bulk_lane_its_capped_share_while_they_keep_coming()
    {
        var gate = Gate(share: 0.5);
        gate.LiveStarted(8);
        gate.LiveFinished(8);
        gate.LiveStarted(8);

        // 8 live frames at a 50 % share earn 8 bulk frames, even with live frames in flight; the next 8 wait for more.
        await gate.WaitTurnAsync(8, CancellationToken.None).WaitAsync(Patience);
        var next = gate.WaitTurnAsync(8, CancellationToken.None);
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(Held)));

        gate.LiveFinished(8);
        await next.WaitAsync(Patience);
    }

    private static BulkLaneGate Gate(double share) =>
        new(Options.Create(new ClassifierOptions { BulkMaxShare = share, MaxBatchSize = 8, MaxBatchWait = TimeSpan.FromMilliseconds(10) }), TimeProvider.System);
}
