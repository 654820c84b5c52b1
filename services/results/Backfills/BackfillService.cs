using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Backfills;

/// <param name="ApplyChanges">Changed decisions replace the ones in force (callbacks <c>verdict.redecided</c>); false: only reported.</param>
public sealed record StartBackfillRequest(string ModelName, string ModelVersion, BackfillSelection? Selection = null, bool ApplyChanges = false);

public sealed record BackfillProgress(int Total, int Pending, int InFlight, int Rescored, int Skipped, int Failed, int Changed, int Applied,
    double Percent, double? MediaPerMinute, DateTimeOffset? EstimatedCompletion, IReadOnlyDictionary<string, int> SkippedBy,
    IReadOnlyDictionary<string, int> Transitions);

public sealed record BackfillView(Guid Id, string ModelName, string ModelVersion, BackfillSelection Selection, bool ApplyChanges, string State,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, BackfillProgress Progress);

public sealed record BackfillChange(Guid MediaId, Decision? Previous, Decision? New, bool Applied, int? Revision, DateTimeOffset? At);

public sealed class BackfillException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Starts, lists, cancels and resumes backfills; the dispatcher and <see cref="BackfillRescoring"/> do the work.</summary>
public sealed class BackfillService(ResultsDbContext db, AuditLog audit, TimeProvider clock)
{
    public async Task<BackfillView> StartAsync(StartBackfillRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!await db.ModelVersions.AnyAsync(v => v.Name == request.ModelName && v.Version == request.ModelVersion, cancellationToken))
        {
            throw new BackfillException("modelVersion", $"{request.ModelName} {request.ModelVersion} is not registered.");
        }

        var selection = request.Selection ?? new BackfillSelection();
        // PostgreSQL's timestamptz takes UTC instants.
        selection = selection with { SubmittedFrom = selection.SubmittedFrom?.ToUniversalTime(), SubmittedTo = selection.SubmittedTo?.ToUniversalTime() };
        if (selection.SubmittedFrom >= selection.SubmittedTo)
        {
            throw new BackfillException("selection", "submittedFrom must be before submittedTo.");
        }

        var backfill = new Backfill
        {
            Id = Guid.CreateVersion7(),
            ModelName = request.ModelName,
            ModelVersion = request.ModelVersion,
            Selection = selection,
            ApplyChanges = request.ApplyChanges,
            CreatedBy = actor.ClientId,
            CreatedAt = clock.GetUtcNow(),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Erased media have no row left to select on; those the selection can still name (by client, or all) are counted.
        if (selection is { SubmittedFrom: null, SubmittedTo: null, Decision: null, ModelVersion: null })
        {
            backfill.ErasedBeforeStart = await db.Erasures.CountAsync(e => selection.ClientId == null || e.ClientId == selection.ClientId, cancellationToken);
        }

        db.Backfills.Add(backfill);
        audit.Add(actor, AuditActions.BackfillStarted, null, new { backfill.Id, backfill.ModelName, backfill.ModelVersion, selection, backfill.ApplyChanges });
        await db.SaveChangesAsync(cancellationToken);
        // One statement, however large the archive: the selection becomes the backfill's items, all pending.
        var decision = selection.Decision?.ToString();
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO backfill_items (backfill_id, media_id, state, frames, changed, applied)
            SELECT {backfill.Id}, m.id, {BackfillItemStates.Pending}, ARRAY[]::integer[], false, false
            FROM media m JOIN verdicts v ON v.media_id = m.id
            WHERE (CAST({selection.ClientId} AS text) IS NULL OR m.client_id = {selection.ClientId})
              AND (CAST({selection.SubmittedFrom} AS timestamptz) IS NULL OR COALESCE(m.submitted_at, m.first_seen_at) >= {selection.SubmittedFrom})
              AND (CAST({selection.SubmittedTo} AS timestamptz) IS NULL OR COALESCE(m.submitted_at, m.first_seen_at) < {selection.SubmittedTo})
              AND (CAST({decision} AS text) IS NULL OR m.decision = {decision})
              AND (CAST({selection.ModelVersion} AS text) IS NULL OR COALESCE(
                    (SELECT r.model_version FROM verdict_revisions r WHERE r.media_id = m.id AND r.applied ORDER BY r.revision DESC LIMIT 1),
                    v.model_version) = {selection.ModelVersion})
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await GetAsync(backfill.Id, cancellationToken))!;
    }

    public Task<BackfillView> CancelAsync(Guid id, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeStateAsync(id, BackfillStates.Running, BackfillStates.Cancelled, AuditActions.BackfillCancelled, actor, cancellationToken);

    public Task<BackfillView> ResumeAsync(Guid id, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeStateAsync(id, BackfillStates.Cancelled, BackfillStates.Running, AuditActions.BackfillResumed, actor, cancellationToken);

    public async Task<IReadOnlyList<BackfillView>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var ids = await db.Backfills.AsNoTracking().OrderByDescending(b => b.CreatedAt).Take(limit).Select(b => b.Id).ToListAsync(cancellationToken);
        var views = new List<BackfillView>(ids.Count);
        foreach (var id in ids)
        {
            views.Add((await GetAsync(id, cancellationToken))!);
        }

        return views;
    }

    public async Task<BackfillView?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var backfill = await db.Backfills.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        return backfill is null ? null : new BackfillView(backfill.Id, backfill.ModelName, backfill.ModelVersion, backfill.Selection, backfill.ApplyChanges,
            backfill.State, backfill.CreatedBy, backfill.CreatedAt, backfill.FinishedAt, await ProgressAsync(backfill, cancellationToken));
    }

    /// <summary>The media whose decision the re-scoring changed, in the order they were re-scored.</summary>
    public async Task<IReadOnlyList<BackfillChange>> ChangesAsync(Guid id, int limit, CancellationToken cancellationToken) =>
        await db.BackfillItems.AsNoTracking().Where(i => i.BackfillId == id && i.Changed).OrderBy(i => i.CompletedAt).ThenBy(i => i.MediaId).Take(limit)
            .Select(i => new BackfillChange(i.MediaId, i.PreviousDecision, i.NewDecision, i.Applied, i.Revision, i.CompletedAt)).ToListAsync(cancellationToken);

    private async Task<BackfillProgress> ProgressAsync(Backfill backfill, CancellationToken cancellationToken)
    {
        var items = db.BackfillItems.AsNoTracking().Where(i => i.BackfillId == backfill.Id);
        var states = await items.GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var skippedBy = await items.Where(i => i.State == BackfillItemStates.Skipped).GroupBy(i => i.Reason)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key ?? "", g => g.Count, cancellationToken);
        if (backfill.ErasedBeforeStart > 0)
        {
            skippedBy[BackfillSkipReasons.Erased] = skippedBy.GetValueOrDefault(BackfillSkipReasons.Erased) + backfill.ErasedBeforeStart;
        }

        var transitions = (await items.Where(i => i.Changed).GroupBy(i => new { i.PreviousDecision, i.NewDecision })
                .Select(g => new { g.Key.PreviousDecision, g.Key.NewDecision, Count = g.Count() }).ToListAsync(cancellationToken))
            .ToDictionary(t => $"{t.PreviousDecision}→{t.NewDecision}".ToLowerInvariant(), t => t.Count);
        var changed = transitions.Values.Sum();
        var applied = await items.CountAsync(i => i.Applied, cancellationToken);

        int Count(string state) => states.GetValueOrDefault(state);
        var skipped = Count(BackfillItemStates.Skipped) + backfill.ErasedBeforeStart;
        var total = states.Values.Sum() + backfill.ErasedBeforeStart;
        var finished = Count(BackfillItemStates.Done) + skipped + Count(BackfillItemStates.Failed);
        var remaining = total - finished;

        // The rate of the last ten minutes, so a paused or resumed backfill's estimate follows what it does now.
        var now = clock.GetUtcNow();
        var window = TimeSpan.FromMinutes(10);
        var since = now - window;
        var recent = await items.Where(i => i.CompletedAt > since).Select(i => i.CompletedAt).ToListAsync(cancellationToken);
        double? perMinute = null;
        DateTimeOffset? eta = null;
        if (recent.Count > 0)
        {
            var span = now - recent.Min()!.Value;
            perMinute = recent.Count / Math.Max(span.TotalMinutes, 1.0 / 60);
            if (backfill.State == BackfillStates.Running && remaining > 0)
            {
                eta = now + TimeSpan.FromMinutes(remaining / perMinute.Value);
            }
        }

        return new BackfillProgress(total, Count(BackfillItemStates.Pending), Count(BackfillItemStates.Dispatched), Count(BackfillItemStates.Done), skipped,
            Count(BackfillItemStates.Failed), changed, applied, total == 0 ? 100 : Math.Round(100.0 * finished / total, 1), perMinute, eta, skippedBy, transitions);
    }

    private async Task<BackfillView> ChangeStateAsync(Guid id, string from, string to, string action, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var backfill = await db.Backfills.FromSql($"SELECT * FROM backfills WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            ?? throw new KeyNotFoundException();
        if (backfill.State != from)
        {
            throw new BackfillException("state", $"The backfill is {backfill.State}, not {from}.");
        }

        backfill.State = to;
        audit.Add(actor, action, null, new { backfill.Id, backfill.ModelName, backfill.ModelVersion });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return (await GetAsync(id, cancellationToken))!;
    }
}
