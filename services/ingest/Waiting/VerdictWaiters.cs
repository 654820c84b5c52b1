using System.Collections.Concurrent;

namespace Moderation.Ingest.Waiting;

/// <summary>
/// Requests waiting for their medium to conclude (<c>POST /media?wait=…</c>): each waits on its medium's signal, which
/// <see cref="MediumConcludedConsumer"/> raises when this replica hears the medium's verdict or the extractor's failure,
/// and looks again at growing intervals (100 ms doubling to 1 s) for what no event announces (a frame the classifier
/// could not decode fails the medium in results alone). A signal nobody waits for is dropped; one medium may have
/// several waiters (a retried request), and the last to leave removes it.
/// </summary>
public sealed class VerdictWaiters
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastPoll = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, Waiting> waiting = new();

    /// <summary>How many media have a request waiting on them now.</summary>
    public int Count => waiting.Count;

    /// <summary>
    /// Waits until <paramref name="concluded"/> says the medium is concluded, checking it once first (the verdict may
    /// have come before this request started waiting) and again after each signal, for at most <paramref name="timeout"/>.
    /// </summary>
    /// <returns>The last answer of <paramref name="concluded"/>: what the caller responds with.</returns>
    public async Task<T> WaitAsync<T>(Guid mediaId, TimeSpan timeout, Func<CancellationToken, Task<T>> check, Func<T, bool> concluded,
        CancellationToken cancellationToken)
    {
        var entry = waiting.AddOrUpdate(mediaId, _ => new Waiting(), (_, existing) => existing.Join());
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var answer = await check(cancellationToken);
            var poll = FirstPoll;
            while (!concluded(answer))
            {
                try
                {
                    await entry.NextAsync(poll, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return answer;
                }

                answer = await check(cancellationToken);
                poll = poll * 2 < LastPoll ? poll * 2 : LastPoll;
            }

            return answer;
        }
        finally
        {
            if (entry.Leave())
            {
                waiting.TryRemove(new KeyValuePair<Guid, Waiting>(mediaId, entry));
            }
        }
    }

    /// <summary>The medium concluded (or changed so that a waiter should look again).</summary>
    public void Signal(Guid mediaId)
    {
        if (waiting.TryGetValue(mediaId, out var entry))
        {
            entry.Signal();
        }
    }

    private sealed class Waiting
    {
        private readonly Lock gate = new();
        private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int waiters = 1;

        public Waiting Join()
        {
            lock (gate)
            {
                waiters++;
            }

            return this;
        }

        /// <summary>True when the last waiter left.</summary>
        public bool Leave()
        {
            lock (gate)
            {
                return --waiters == 0;
            }
        }

        /// <summary>Returns on the next signal, or after <paramref name="poll"/> without one.</summary>
        public async Task NextAsync(TimeSpan poll, CancellationToken cancellationToken)
        {
            Task next;
            lock (gate)
            {
                next = signal.Task;
            }

            try
            {
                await next.WaitAsync(poll, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }

        public void Signal()
        {
            TaskCompletionSource fired;
            lock (gate)
            {
                fired = signal;
                signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            fired.TrySetResult();
        }
    }
}
