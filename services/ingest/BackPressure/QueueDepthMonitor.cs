using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;
using Moderation.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Moderation.Ingest.BackPressure;

/// <summary>
/// Polls the depth of the watched queues (a passive declare returns the ready-message count without creating anything)
/// and decides whether a new submission may be accepted. Requests read the last snapshot and never wait on the broker.
/// </summary>
public sealed class QueueDepthMonitor : BackgroundService
{
    private readonly IOptions<BackPressureOptions> _options;
    private readonly string _queuePrefix;
    private readonly ConnectionFactory _factory;
    private readonly TimeProvider _clock;
    private readonly ILogger<QueueDepthMonitor> _logger;
    private volatile Snapshot? _snapshot;
    private HashSet<string> _missing = [];

    public QueueDepthMonitor(
        IOptions<BackPressureOptions> options, IOptions<MessagingOptions> messaging, IConfiguration configuration, TimeProvider clock, IMeterFactory meters,
        ILogger<QueueDepthMonitor> logger)
    {
        _options = options;
        _queuePrefix = messaging.Value.QueuePrefix;
        _clock = clock;
        _logger = logger;
        _factory = new ConnectionFactory
        {
            Uri = new Uri(configuration.GetConnectionString(MessagingExtensions.ConnectionName)
                ?? throw new InvalidOperationException("ConnectionStrings:rabbitmq is required.")),
            ClientProvidedName = "ingest-queue-depth",
            AutomaticRecoveryEnabled = true,
        };
        meters.Create(Telemetry.MeterName).CreateObservableGauge("moderation.ingest.queue_depth", ObserveDepths, "{message}",
            "Ready messages in the pipeline queues ingest watches for back-pressure.");
    }

    /// <summary>Null when a submission of this priority may be accepted now, else the refusal to answer with.</summary>
    public IntakeException? Refusal(SubmissionPriority priority)
    {
        var options = _options.Value;
        var snapshot = _snapshot;
        // No fresh reading (broker unreachable, or not polled yet): let the publish itself decide, it fails loudly.
        if (!options.Enabled || snapshot is null || _clock.GetUtcNow() - snapshot.At > options.PollInterval * 5)
        {
            return null;
        }

        var retryAfter = options.RetryAfter;
        foreach (var (queue, depth) in snapshot.Depths)
        {
            if (depth is null && options.RequireQueues)
            {
                return new IntakeException(
                    Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.PipelineUnavailable, "Pipeline not ready",
                        $"Queue '{queue}' does not exist yet: its consumer has not started. Retry later.",
                        new Dictionary<string, object?> { ["queue"] = queue }),
                    FailureReasons.Internal, retryAfter);
            }

            var max = options.MaxDepthFor(priority);
            if (depth > max)
            {
                return new IntakeException(
                    Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.Overloaded, "Too much work queued",
                        $"Queue '{queue}' holds {depth} messages, above the {max} allowed for {priority.ToString().ToLowerInvariant()} submissions. Retry later.",
                        new Dictionary<string, object?> { ["queue"] = queue, ["depth"] = depth, ["maxDepth"] = max }),
                    FailureReasons.Internal, retryAfter);
            }
        }

        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Value.Enabled)
        {
            return;
        }

        IConnection? connection = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    connection ??= await _factory.CreateConnectionAsync(stoppingToken);
                    _snapshot = await ReadAsync(connection, stoppingToken);
                }
                catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
                {
                    _logger.LogWarning(e, "Cannot read queue depths; back-pressure is suspended until the broker answers");
                    if (connection is { IsOpen: false })
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }

                await Task.Delay(_options.Value.PollInterval, _clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<Snapshot> ReadAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var depths = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var queue in _options.Value.WatchedQueues.Select(q => QueueNames.Prefixed(_queuePrefix, q)).Distinct())
        {
            // A passive declare of a missing queue closes the channel (404), so each queue gets its own.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                depths[queue] = ok.MessageCount;
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                if (!_missing.Contains(queue))
                {
                    _logger.LogWarning("Watched queue {Queue} does not exist; is BackPressure:Queues right for this deployment?", queue);
                }

                depths[queue] = null;
            }
        }

        _missing = depths.Where(d => d.Value is null).Select(d => d.Key).ToHashSet();
        return new Snapshot(_clock.GetUtcNow(), depths);
    }

    private IEnumerable<Measurement<long>> ObserveDepths()
    {
        var snapshot = _snapshot;
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var (queue, depth) in snapshot.Depths)
        {
            if (depth is { } value)
            {
                yield return new Measurement<long>(value, new KeyValuePair<string, object?>("queue", queue));
            }
        }
    }

    private sealed record Snapshot(DateTimeOffset At, IReadOnlyDictionary<string, long?> Depths);
}
