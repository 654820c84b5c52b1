namespace Moderation.ServiceDefaults;

/// <summary>
/// Section <c>Metrics</c>: where the Prometheus scrape endpoint (<c>/metrics</c>) answers. Without a port it answers
/// on every address the service listens on; with one (Kubernetes: 9464, beside <c>ASPNETCORE_HTTP_PORTS=8080;9464</c>)
/// only on that port, so an Ingress or Gateway that routes the service's HTTP port never exposes it.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";
    public const string Path = "/metrics";

    public int? Port { get; set; }
}
