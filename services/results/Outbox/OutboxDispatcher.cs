using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;

namespace Moderation.Results.Outbox;

/// <summary>
/// Drains the outbox: claims due rows with a lease (SKIP LOCKED, so several instances share the work), publishes bus
/// messages with the row id as MessageId and posts callbacks, then marks each row delivered, rescheduled with
/// back-off, or failed. Delivery is at least once: a crash after sending but before marking repeats the send with
/// the same id, which receivers use to de-duplicate.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    CallbackSender callbacks,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ResultsMetrics metrics,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private DateTimeOffset _nextCleanup;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await DispatchBatchAsync(stoppingToken);
                await CleanupAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Outbox dispatch failed; retrying after the poll interval");
            }

            if (claimed < options.Value.BatchSize)
            {
                try
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims and delivers one batch; returns how many rows were claimed.</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        List<OutboxMessage> batch;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
            var now = clock.GetUtcNow();
            var until = now + settings.ClaimDuration;
            var callbackKind = OutboxKinds.Callback;
            // Callbacks of one medium leave in order: a reviewer's override never overtakes the automatic verdict.
            batch = await db.Outbox.FromSql(
                $"""
                UPDATE outbox SET locked_until = {until}, locked_by = {_instance}, attempts = attempts + 1
                WHERE id IN (
                    SELECT o.id FROM outbox o
                    WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= {now}
                      AND (o.locked_until IS NULL OR o.locked_until < {now})
                      AND (o.kind <> {callbackKind} OR NOT EXISTS (
                          SELECT 1 FROM outbox p
                          WHERE p.media_id = o.media_id AND p.kind = o.kind AND p.delivered_at IS NULL AND p.failed_at IS NULL
                            AND (p.created_at, p.id) < (o.created_at, o.id)))
                    ORDER BY o.next_attempt_at
                    LIMIT {settings.BatchSize}
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
                """).AsNoTracking().ToListAsync(cancellationToken);
        }

        if (batch.Count == 0)
        {
            return 0;
        }

        var delivered = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
            async (row, ct) =>
            {
                if (await DeliverAsync(row, ct))
                {
                    delivered.Add(row.Id);
                }
            });

        // The common outcome is marked for the whole batch in one statement; retries and give-ups were marked one by one.
        if (!delivered.IsEmpty)
        {
            var ids = delivered.ToArray();
            var now = clock.GetUtcNow();
            var claimedBy = _instance;
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Outbox.Where(o => ids.Contains(o.Id) && o.LockedBy == claimedBy)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.DeliveredAt, now).SetProperty(o => o.LockedUntil, (DateTimeOffset?)null).SetProperty(o => o.LastError, (string?)null),
                    CancellationToken.None);
        }

        return batch.Count;
    }

    /// <summary>Sends one row; true when it was delivered (the caller marks it), otherwise it is marked here.</summary>
    private async Task<bool> DeliverAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = row.MediaId, ["OutboxId"] = row.Id });
        var settings = options.Value;
        CallbackResult result;
        try
        {
            result = row.Kind == OutboxKinds.Bus
                ? await PublishAsync(row, cancellationToken)
                : await callbacks.SendAsync(row.Id, row.MessageType, row.Destination!, row.Payload, row.Attempts, row.Redeliveries > 0, row.ClientId,
                    cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the claim lapses and another instance (or the next start) delivers the row.
            return false;
        }
        catch (Exception e)
        {
            result = new CallbackResult(CallbackOutcome.Retry, e.Message);
        }

        var now = clock.GetUtcNow();
        var outcome = result.Outcome == CallbackOutcome.Retry && row.Kind == OutboxKinds.Callback && row.Attempts >= settings.MaxCallbackAttempts
            ? CallbackOutcome.GiveUp
            : result.Outcome;
        if (row.Kind == OutboxKinds.Callback)
        {
            metrics.Callback(outcome.ToString());
        }

        if (outcome == CallbackOutcome.Delivered)
        {
            logger.LogDebug("Outbox {Kind} {MessageType} delivered on attempt {Attempt}", row.Kind, row.MessageType, row.Attempts);
            return true;
        }

        await using var dbScope = scopes.CreateAsyncScope();
        var db = dbScope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var error = result.Error is null ? null : result.Error.Length > 2048 ? result.Error[..2048] : result.Error;
        var claimedBy = _instance;
        switch (outcome)
        {
            case CallbackOutcome.GiveUp:
                await db.Outbox.Where(o => o.Id == row.Id && o.LockedBy == claimedBy)
                    .ExecuteUpdateAsync(s => s.SetProperty(o => o.FailedAt, now).SetProperty(o => o.LockedUntil, (DateTimeOffset?)null).SetProperty(o => o.LastError, error),
                        CancellationToken.None);
                logger.LogWarning("Outbox {Kind} {MessageType} to {Destination} given up after {Attempt} attempts: {Error}",
                    row.Kind, row.MessageType, WithoutCredentials(row.Destination), row.Attempts, result.Error);
                break;
            default:
                var next = now + settings.Backoff(row.Attempts);
                await db.Outbox.Where(o => o.Id == row.Id && o.LockedBy == claimedBy)
                    .ExecuteUpdateAsync(s => s.SetProperty(o => o.NextAttemptAt, next).SetProperty(o => o.LockedUntil, (DateTimeOffset?)null).SetProperty(o => o.LastError, error),
                        CancellationToken.None);
                logger.LogInformation("Outbox {Kind} {MessageType} attempt {Attempt} failed ({Error}); next attempt at {NextAttemptAt}",
                    row.Kind, row.MessageType, row.Attempts, result.Error, next);
                break;
        }

        return false;
    }

    /// <summary>A callback URL fit for a log: direct publishers bypass ingest's check, and a password must never reach the logs.</summary>
    private static string? WithoutCredentials(string? destination) =>
        Uri.TryCreate(destination, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : destination;

    private async Task<CallbackResult> PublishAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        if (!OutboxWriter.BusTypes.TryGetValue(row.MessageType, out var type))
        {
            return new(CallbackOutcome.GiveUp, $"Unknown message type {row.MessageType}.");
        }

        var message = (IMediaMessage)JsonSerializer.Deserialize(row.Payload, type, OutboxWriter.PayloadJson)!;
        await bus.Publish(message, type, context =>
        {
            context.MessageId = row.Id;
            context.CorrelationId = message.CorrelationId;
        }, cancellationToken);
        return new(CallbackOutcome.Delivered, null);
    }

    private async Task CleanupAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now < _nextCleanup || options.Value.RetainDelivered <= TimeSpan.Zero)
        {
            return;
        }

        _nextCleanup = now + TimeSpan.FromMinutes(10);
        var cutoff = now - options.Value.RetainDelivered;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var deleted = await db.Outbox.Where(o => o.DeliveredAt != null && o.DeliveredAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} delivered outbox rows older than {Cutoff}", deleted, cutoff);
        }
    }
}
