using System.Reflection;

namespace Moderation.Deploy.Tests;

/// <summary>Which environment variables a service reads, by the project's configuration conventions.</summary>
public static class ConfigurationRules
{
    /// <summary>Read by the .NET host, ASP.NET Core or the OpenTelemetry SDK rather than by an options class.</summary>
    private static readonly string[] PlatformPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_"];

    /// <summary>
    /// Null when <paramref name="name"/> is something <paramref name="service"/> reads, else why not. Variables named in
    /// <paramref name="helpers"/> only feed other variables through <c>$(NAME)</c> and are never read by the service.
    /// </summary>
    public static string? Check(ServiceCatalog service, string name, IReadOnlySet<string> helpers)
    {
        if (PlatformPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || helpers.Contains(name))
        {
            return null;
        }

        if (name.Equals("ConnectionStrings__rabbitmq", StringComparison.OrdinalIgnoreCase))
        {
            return service.UsesRabbitMq ? null : $"{name}: {service} is not on the bus";
        }

        if (name.Equals("ConnectionStrings__postgres", StringComparison.OrdinalIgnoreCase))
        {
            return service.UsesPostgres ? null : $"{name}: {service} does not use PostgreSQL";
        }

        if (service.Options.Any(o => o.Binds(name)))
        {
            return null;
        }

        var sections = service.Options.Select(o => o.EnvironmentPrefix).Distinct().Order(StringComparer.Ordinal);
        var candidates = service.Options
            .Where(o => name.StartsWith(o.EnvironmentPrefix + "__", StringComparison.OrdinalIgnoreCase))
            .SelectMany(o => o.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => $"{o.EnvironmentPrefix}__{p.Name}"))
            .ToList();
        return candidates.Count > 0
            ? $"{name}: {service} has no such option; that section has {string.Join(", ", candidates)}"
            : $"{name}: {service} binds no section by that name; its sections are {string.Join(", ", sections)}";
    }
}
