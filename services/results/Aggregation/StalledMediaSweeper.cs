using Microsoft.Extensions.Options;

namespace Moderation.Results.Aggregation;

/// <summary>Periodically fails media that stopped making progress (see <see cref="AggregationOptions.StallTimeout"/>).</summary>
public sealed class StalledMediaSweeper(IServiceScopeFactory scopes, IOptions<AggregationOptions> options, ILogger<StalledMediaSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.StallTimeout <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.StallSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var failed = await scope.ServiceProvider.GetRequiredService<MediaAggregator>().FailStalledAsync(settings.StallTimeout, stoppingToken);
                if (failed > 0)
                {
                    logger.LogWarning("Failed {Count} media without progress for {StallTimeout}", failed, settings.StallTimeout);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Stalled-media sweep failed");
            }
        }
    }
}
