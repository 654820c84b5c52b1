using System.CommandLine;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Data;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Data;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.CommandLine;

/// <summary>
/// One-shot commands run instead of the web service, needing only the database, parsed strictly by System.CommandLine
/// (<c>--help</c> at every level; a misspelt option or a missing value is an error with usage, exit code 1):
/// <code>
///   migrate                                                   apply EF Core migrations and exit
///   keys create --client wiki --scopes submit,read [--description text] [--quiet]   print a new key (once) on stdout
///   keys list
///   keys revoke &lt;id or prefix&gt;
/// </code>
/// </summary>
public static class IngestCommandLine
{
    public static bool IsCommand(string[] args) => ServiceCommandLine.IsCommand(args);

    public static Task<int> RunAsync(string[] args)
    {
        var migrate = new Command("migrate", "Apply the database migrations and exit.");
        migrate.SetAction((_, cancellationToken) => WithDatabaseAsync(migrateFirst: false, async (services, _) =>
        {
            await services.GetRequiredService<DatabaseMigrator<IngestDbContext>>().MigrateAsync(cancellationToken);
            await Console.Error.WriteLineAsync("Database is up to date.");
            return 0;
        }));

        var client = new Option<string>("--client") { Description = "The API client (e.g. the wiki) the key belongs to.", Required = true };
        var scopes = new Option<string>("--scopes") { Description = $"Comma-separated scopes: {string.Join(", ", ModerationScopes.All)}.", Required = true };
        var description = new Option<string?>("--description") { Description = "What the key is for." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the key (for scripts)." };
        var create = new Command("create", "Create a key and print it on stdout; it is shown only this once.") { client, scopes, description, quiet };
        create.SetAction((result, cancellationToken) => WithDatabaseAsync(migrateFirst: true, async (_, keys) =>
        {
            var created = await keys.CreateAsync(result.GetRequiredValue(client), result.GetRequiredValue(scopes).Split(','), result.GetValue(description), cancellationToken);
            if (!result.GetValue(quiet))
            {
                await Console.Error.WriteLineAsync($"Created key {created.Client.KeyPrefix} (id {created.Client.Id}) for '{created.Client.ClientId}' " +
                    $"with scopes {string.Join(",", created.Client.Scopes)}. It is shown only now:");
            }

            Console.WriteLine(created.Key);
            return 0;
        }));

        var list = new Command("list", "List keys: id, prefix, client, scopes, created, state (never the keys themselves).");
        list.SetAction((_, cancellationToken) => WithDatabaseAsync(migrateFirst: true, async (_, keys) =>
        {
            foreach (var key in await keys.ListAsync(cancellationToken))
            {
                Console.WriteLine($"{key.Id}\t{key.KeyPrefix}\t{key.ClientId}\t{string.Join(",", key.Scopes)}\t{key.CreatedAt:u}\t{(key.RevokedAt is { } r ? $"revoked {r:u}" : "active")}");
            }

            return 0;
        }));

        var idOrPrefix = new Argument<string>("id-or-prefix") { Description = "The key's id or its printed prefix." };
        var revoke = new Command("revoke", "Revoke a key; requests with it are refused from then on.") { idOrPrefix };
        revoke.SetAction((result, cancellationToken) => WithDatabaseAsync(migrateFirst: true, async (_, keys) =>
        {
            var target = result.GetRequiredValue(idOrPrefix);
            if (await keys.RevokeAsync(target, cancellationToken))
            {
                await Console.Error.WriteLineAsync($"Revoked {target}.");
                return 0;
            }

            await Console.Error.WriteLineAsync($"No active key '{target}'.");
            return 1;
        }));

        var root = new RootCommand("The ingest service. Without a command it serves the upload API. The database comes from ConnectionStrings__postgres.")
        {
            migrate,
            new Command("keys", "Manage API keys.") { create, list, revoke },
        };
        return ServiceCommandLine.InvokeAsync(root, args);
    }

    /// <summary>Runs <paramref name="work"/> against the database, migrating first when the command needs the schema and the settings allow it.</summary>
    private static async Task<int> WithDatabaseAsync(bool migrateFirst, Func<IServiceProvider, ApiKeys, Task<int>> work)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        // stdout carries only the command's answer (a new key), so scripts can capture it.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning)
            // EF logs the expected probe of a missing migrations table on a fresh database as an error.
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None)
            .AddFilter("Moderation.Data", LogLevel.Warning);
        builder.AddMigratedDatabase<IngestDbContext>(IngestDbContext.ConfigureOptions);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<ApiKeys>();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            // A fresh deployment may create its first key before the service ever started.
            if (migrateFirst && host.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            {
                await host.Services.GetRequiredService<DatabaseMigrator<IngestDbContext>>().MigrateAsync(CancellationToken.None);
            }

            return await work(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<ApiKeys>());
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }
}
