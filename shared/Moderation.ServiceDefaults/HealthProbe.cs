namespace Moderation.ServiceDefaults;

/// <summary>
/// <c>dotnet Moderation.X.dll --health-probe</c>: asks the service running in the same container for
/// <c>/health/live</c> and exits 0 when it answers 200, else 1. The container images' HEALTHCHECK, since the chiseled
/// runtime images have no shell and no curl. Kubernetes probes the HTTP endpoints itself and does not use it.
/// </summary>
public static class HealthProbe
{
    public const string Option = "--health-probe";

    public static bool IsRequested(string[] args) => args is [Option];

    /// <summary>Probes the first port of <c>ASPNETCORE_HTTP_PORTS</c> (8080 where unset) on loopback.</summary>
    public static Task<int> RunAsync()
    {
        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS");
        var port = ports?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..] ? first : "8080";
        return ProbeAsync(new Uri($"http://127.0.0.1:{port}{Extensions.LivePath}"), TimeSpan.FromSeconds(3));
    }

    public static async Task<int> ProbeAsync(Uri uri, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = timeout };
        try
        {
            using var response = await http.GetAsync(uri);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
