using Moderation.Results.Data;

namespace Moderation.Results.Banks;

/// <summary>
/// Loads the banks into <see cref="BankIndex"/> when the service starts, so that the first frames matched do not wait
/// for a large bank to load. A failure here only delays the load to the first lookup.
/// </summary>
public sealed class BankIndexWarmUp(IServiceScopeFactory scopes, BankIndex index, ILogger<BankIndexWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await index.RefreshAsync(scope.ServiceProvider.GetRequiredService<ResultsDbContext>(), stoppingToken);
            logger.LogInformation("Hash banks loaded: {Entries} hashes", index.Entries);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Hash banks not loaded at start; the first lookup loads them");
        }
    }
}
