using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.Auth;

/// <summary>Forgets webhook signatures once their timestamps are too old to pass the replay window anyway.</summary>
public sealed class WebhookDeliveryCleanup(IServiceScopeFactory scopes, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookDeliveryCleanup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReplayWindow, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<IngestDbContext>();
                var cutoff = clock.GetUtcNow() - options.Value.ReplayWindow * 2;
                var removed = await db.WebhookDeliveries.Where(d => d.ReceivedAt < cutoff).ExecuteDeleteAsync(stoppingToken);
                logger.LogDebug("Forgot {Count} webhook signatures older than {Cutoff}", removed, cutoff);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Cleaning up webhook signatures failed; retrying next period");
            }
        }
    }
}
