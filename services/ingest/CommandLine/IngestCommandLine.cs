using Microsoft.EntityFrameworkCore;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Data;

namespace Moderation.Ingest.CommandLine;

/// <summary>
/// One-shot commands run instead of the web service, needing only the database:
/// <code>
///   migrate                                                   apply EF Core migrations and exit
///   keys create --client wiki --scopes submit,read [--description text] [--quiet]   print a new key (once) on stdout
///   keys list
///   keys revoke &lt;id or prefix&gt;
/// </code>
/// </summary>
public static class IngestCommandLine
{
    public static bool IsCommand(string[] args) => args is ["migrate", ..] or ["keys", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        // stdout carries only the command's answer (a new key), so scripts can capture it.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning)
            // EF logs the expected probe of a missing migrations table on a fresh database as an error.
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.AddIngestDatabase();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<ApiKeys>();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IngestDbContext>();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeys>();
        try
        {
            // A fresh deployment may create its first key before the service ever started.
            if (args is not ["migrate", ..] && builder.Configuration.GetValue<bool>(DatabaseMigrator.MigrateOnStartKey))
            {
                await db.Database.MigrateAsync();
            }

            switch (args)
            {
                case ["migrate"]:
                    await db.Database.MigrateAsync();
                    await Console.Error.WriteLineAsync("Database is up to date.");
                    return 0;
                case ["keys", "create", .. var options]:
                    var named = Options(options);
                    if (!named.TryGetValue("client", out var client) || !named.TryGetValue("scopes", out var scopes))
                    {
                        return Usage();
                    }

                    var created = await keys.CreateAsync(client, scopes.Split(','), named.GetValueOrDefault("description"), CancellationToken.None);
                    if (!named.ContainsKey("quiet"))
                    {
                        await Console.Error.WriteLineAsync($"Created key {created.Client.KeyPrefix} (id {created.Client.Id}) for '{created.Client.ClientId}' " +
                            $"with scopes {string.Join(",", created.Client.Scopes)}. It is shown only now:");
                    }

                    Console.WriteLine(created.Key);
                    return 0;
                case ["keys", "list"]:
                    foreach (var key in await keys.ListAsync(CancellationToken.None))
                    {
                        Console.WriteLine($"{key.Id}\t{key.KeyPrefix}\t{key.ClientId}\t{string.Join(",", key.Scopes)}\t{key.CreatedAt:u}\t{(key.RevokedAt is { } r ? $"revoked {r:u}" : "active")}");
                    }

                    return 0;
                case ["keys", "revoke", var idOrPrefix]:
                    if (await keys.RevokeAsync(idOrPrefix, CancellationToken.None))
                    {
                        await Console.Error.WriteLineAsync($"Revoked {idOrPrefix}.");
                        return 0;
                    }

                    await Console.Error.WriteLineAsync($"No active key '{idOrPrefix}'.");
                    return 1;
                default:
                    return Usage();
            }
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }

    /// <summary><c>--name value</c> pairs; a <c>--flag</c> followed by another option or nothing has the value "true".</summary>
    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[args[i][2..]] = hasValue ? args[++i] : "true";
        }

        return options;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("""
            Usage:
              Moderation.Ingest migrate
              Moderation.Ingest keys create --client <id> --scopes <submit,read,review,admin> [--description <text>] [--quiet]
              Moderation.Ingest keys list
              Moderation.Ingest keys revoke <id or prefix>
            The database comes from ConnectionStrings__postgres.
            """);
        return 2;
    }
}
