using System.Collections.Concurrent;
using Moderation.Contracts.V1;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>
/// The extractions running on this replica: how far each has come (for the progress API) and the handle that
/// <see cref="MediaDecided"/> uses to stop one early. Every replica hears every decision; only the one extracting acts.
/// </summary>
public sealed class ExtractionRegistry
{
    private readonly ConcurrentDictionary<Guid, RunningExtraction> _running = new();

    public RunningExtraction Begin(Guid mediaId, Guid correlationId)
    {
        var extraction = new RunningExtraction(this, mediaId, correlationId);
        _running[extraction.Id] = extraction;
        return extraction;
    }

    /// <summary>Stops every extraction of the medium on this replica; false when none runs here.</summary>
    public bool Cancel(Guid mediaId)
    {
        var cancelled = false;
        foreach (var extraction in _running.Values.Where(e => e.MediaId == mediaId))
        {
            extraction.Decide();
            cancelled = true;
        }

        return cancelled;
    }

    /// <summary>Stops every extraction of the erased medium on this replica; each removes its frames as it ends. False when none runs here.</summary>
    public bool Erase(Guid mediaId)
    {
        var erased = false;
        foreach (var extraction in _running.Values.Where(e => e.MediaId == mediaId))
        {
            extraction.Erase();
            erased = true;
        }

        return erased;
    }

    public IReadOnlyList<RunningExtraction> Snapshot() => _running.Values.OrderBy(e => e.StartedAt).ToList();

    internal void End(RunningExtraction extraction) => _running.TryRemove(extraction.Id, out _);
}

/// <summary>One medium being extracted; dispose when done.</summary>
public sealed class RunningExtraction : IDisposable
{
    private readonly ExtractionRegistry _registry;
    private readonly CancellationTokenSource _decided = new();
    private int _published;
    private volatile bool _erased;

    internal RunningExtraction(ExtractionRegistry registry, Guid mediaId, Guid correlationId)
    {
        _registry = registry;
        MediaId = mediaId;
        CorrelationId = correlationId;
    }

    public Guid Id { get; } = Guid.NewGuid();

    public Guid MediaId { get; }

    public Guid CorrelationId { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public MediaKind? Kind { get; private set; }

    public int PlannedFrames { get; private set; }

    public int PublishedFrames => Volatile.Read(ref _published);

    /// <summary>Cancelled when results has decided the medium (early exit) or it was erased.</summary>
    public CancellationToken Decided => _decided.Token;

    public bool IsDecided => _decided.IsCancellationRequested;

    /// <summary>The medium was erased: the extraction ends without publishing anything more and removes its frames.</summary>
    public bool IsErased => _erased;

    public void Planned(MediaKind kind, int frames)
    {
        Kind = kind;
        PlannedFrames = frames;
    }

    public int FramePublished() => Interlocked.Increment(ref _published);

    internal void Erase()
    {
        _erased = true;
        Decide();
    }

    internal void Decide()
    {
        try
        {
            _decided.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The extraction ended while the decision arrived; nothing is left to stop.
        }
    }

    public void Dispose()
    {
        _registry.End(this);
        _decided.Dispose();
    }
}
