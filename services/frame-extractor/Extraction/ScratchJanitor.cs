using Microsoft.Extensions.Options;
using Moderation.FrameExtractor.Options;

namespace Moderation.FrameExtractor.Extraction;

/// <summary>
/// Every extraction removes its own work directory; this removes the ones a killed process left behind. Only
/// directories older than twice the extraction timeout go, so other replicas sharing the scratch space are safe.
/// </summary>
public sealed class ScratchJanitor(IOptions<ExtractionOptions> options, TimeProvider clock, ILogger<ScratchJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Timeout, clock);
        do
        {
            Sweep();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Sweep()
    {
        var root = new DirectoryInfo(options.Value.ScratchRoot);
        if (!root.Exists)
        {
            return;
        }

        var cutoff = clock.GetUtcNow().UtcDateTime - 2 * options.Value.Timeout;
        foreach (var stale in root.EnumerateDirectories().Where(d => d.LastWriteTimeUtc < cutoff))
        {
            try
            {
                stale.Delete(recursive: true);
                logger.LogInformation("Removed abandoned work directory {Directory}", stale.FullName);
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not remove abandoned work directory {Directory}", stale.FullName);
            }
        }
    }
}
