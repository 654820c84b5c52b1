using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Moderation.FrameExtractor.Media;

/// <summary>Ready only when ffmpeg and ffprobe start inside the sandbox (binaries present, prlimit present, limits workable).</summary>
public sealed class FfmpegHealthCheck(FfmpegSandbox sandbox) : IHealthCheck
{
    private HealthCheckResult? _healthy;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_healthy is { } cached)
        {
            return cached;
        }

        foreach (var tool in new[] { "ffprobe", "ffmpeg" })
        {
            try
            {
                var result = await sandbox.RunAsync(tool, ["-hide_banner", "-version"], Path.GetTempPath(), TimeSpan.FromSeconds(20), cancellationToken);
                if (result.ExitCode != 0)
                {
                    return HealthCheckResult.Unhealthy($"{tool} -version exited with {result.ExitCode}: {ToolDiagnostics.Summarize(result.Error)}");
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return HealthCheckResult.Unhealthy($"{tool} could not be started: {e.Message}", e);
            }
        }

        _healthy = HealthCheckResult.Healthy("ffmpeg and ffprobe run in the sandbox.");
        return _healthy.Value;
    }
}
