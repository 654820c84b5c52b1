using System.CommandLine;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Data;
using Moderation.Ingest.Auth;
using Moderation.Ingest.Data;
using Moderation.Ingest.Fetching;
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
///   sources list [--client wiki] [--include-revoked]
///   sources add --client wiki --source 10.20.0.0/16 --reason text [--by name]   print the new entry's id on stdout
///   sources remove &lt;id&gt; [--reason text] [--by name]
/// </code>
/// The <c>sources</c> commands change the per-client source allow-list through the same store, validation and audit
/// trail as <c>/admin/sources</c>; the entry records the operator (<c>--by</c>, else the account and machine) as
/// "<c>name (command line)</c>" where the API records the admin's client and key.
/// </summary>
public static class IngestCommandLine
{
    public static bool IsCommand(string[] args) => ServiceCommandLine.IsCommand(args);

    public static Task<int> RunAsync(string[] args)
    {
        var migrate = new Command("migrate", "Apply the database migrations and exit.");
        migrate.SetAction((_, cancellationToken) => WithDatabaseAsync<DatabaseMigrator<IngestDbContext>>(migrateFirst: false, async migrator =>
        {
            await migrator.MigrateAsync(cancellationToken);
            await Console.Error.WriteLineAsync("Database is up to date.");
            return 0;
        }));

        var client = new Option<string>("--client") { Description = "The API client (e.g. the wiki) the key belongs to.", Required = true };
        var scopes = new Option<string>("--scopes") { Description = $"Comma-separated scopes: {string.Join(", ", ModerationScopes.All)}.", Required = true };
        var description = new Option<string?>("--description") { Description = "What the key is for." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the key (for scripts)." };
        var create = new Command("create", "Create a key and print it on stdout; it is shown only this once.") { client, scopes, description, quiet };
        create.SetAction((result, cancellationToken) => WithDatabaseAsync<ApiKeys>(migrateFirst: true, async keys =>
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
        list.SetAction((_, cancellationToken) => WithDatabaseAsync<ApiKeys>(migrateFirst: true, async keys =>
        {
            foreach (var key in await keys.ListAsync(cancellationToken))
            {
                Console.WriteLine($"{key.Id}\t{key.KeyPrefix}\t{key.ClientId}\t{string.Join(",", key.Scopes)}\t{key.CreatedAt:u}\t{(key.RevokedAt is { } r ? $"revoked {r:u}" : "active")}");
            }

            return 0;
        }));

        var idOrPrefix = new Argument<string>("id-or-prefix") { Description = "The key's id or its printed prefix." };
        var revoke = new Command("revoke", "Revoke a key; requests with it are refused from then on.") { idOrPrefix };
        revoke.SetAction((result, cancellationToken) => WithDatabaseAsync<ApiKeys>(migrateFirst: true, async keys =>
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
            SourcesCommand(),
        };
        return ServiceCommandLine.InvokeAsync(root, args);
    }

    /// <summary><c>sources list|add|remove</c>: the per-client source allow-list, as <c>/admin/sources</c> manages it.</summary>
    private static Command SourcesCommand()
    {
        var by = new Option<string?>("--by") { Description = "Who makes the change, for the audit trail (default: this account and machine)." };

        var listClient = new Option<string?>("--client") { Description = "Only this client's entries." };
        var includeRevoked = new Option<bool>("--include-revoked") { Description = "Also list revoked entries, with who revoked them and why." };
        var list = new Command("list", "List entries, newest first: id, client, source, created, created by, reason, state.") { listClient, includeRevoked };
        list.SetAction((result, cancellationToken) => WithDatabaseAsync<SourceAllowances>(migrateFirst: true, async sources =>
        {
            foreach (var entry in await sources.ListAsync(result.GetValue(listClient), result.GetValue(includeRevoked), cancellationToken))
            {
                var state = entry.RevokedAt is { } revokedAt
                    ? $"revoked {revokedAt:u} by {entry.RevokedBy}{(entry.RevokeReason is { } why ? $": {why}" : "")}"
                    : "active";
                Console.WriteLine($"{entry.Id}\t{entry.ClientId}\t{entry.Source}\t{entry.CreatedAt:u}\t{entry.CreatedBy}\t{entry.Reason}\t{state}");
            }

            return 0;
        }));

        var client = new Option<string>("--client") { Description = "The client (e.g. the wiki) whose URLs may be fetched from the source.", Required = true };
        var source = new Option<string>("--source")
        {
            Description = "A host name (wiki.internal) or an address or CIDR range on a private network or this machine (10.20.0.0/16, 127.0.0.1).",
            Required = true,
        };
        var reason = new Option<string>("--reason") { Description = "Why the source is opened; the audit trail shows it.", Required = true };
        var add = new Command("add", "Allow a client's URLs to be fetched from a host or private range; prints the entry's id on stdout.") { client, source, reason, by };
        add.SetAction((result, cancellationToken) => WithDatabaseAsync<SourceAllowances>(migrateFirst: true, async sources =>
        {
            var entry = await sources.AddAsync(result.GetRequiredValue(client), result.GetRequiredValue(source), result.GetRequiredValue(reason), Actor(result.GetValue(by)), cancellationToken);
            await Console.Error.WriteLineAsync($"Allowed {entry.Source} for '{entry.ClientId}' (entry {entry.Id}).");
            Console.WriteLine(entry.Id);
            return 0;
        }));

        var id = new Argument<Guid>("id") { Description = "The entry's id, as add and list print it." };
        var revokeReason = new Option<string?>("--reason") { Description = "Why the source is closed; the audit trail shows it." };
        var remove = new Command("remove", "Revoke an entry; the client's URLs to that source are refused from then on. The entry stays in the history.") { id, revokeReason, by };
        remove.SetAction((result, cancellationToken) => WithDatabaseAsync<SourceAllowances>(migrateFirst: true, async sources =>
        {
            var target = result.GetRequiredValue(id);
            if (await sources.RevokeAsync(target, result.GetValue(revokeReason), Actor(result.GetValue(by)), cancellationToken) is { } entry)
            {
                await Console.Error.WriteLineAsync($"Revoked {entry.Source} for '{entry.ClientId}' (entry {entry.Id}).");
                return 0;
            }

            await Console.Error.WriteLineAsync($"No active entry '{target}'.");
            return 1;
        }));

        return new Command("sources", "Manage the per-client source allow-list: private hosts and ranges a client's URLs may be fetched from.") { list, add, remove };
    }

    /// <summary>Who changed the allow-list, as the audit trail records it: the operator named by <c>--by</c>, else this account and machine.</summary>
    private static string Actor(string? by)
    {
        var name = string.IsNullOrWhiteSpace(by) ? $"{Environment.UserName}@{Environment.MachineName}" : by.Trim();
        // The audit column holds 128 characters.
        return name.Length <= 100 ? $"{name} (command line)" : throw new ArgumentException($"--by takes at most 100 characters; '{name[..20]}…' has {name.Length}.");
    }

    /// <summary>Runs <paramref name="work"/> against the database, migrating first when the command needs the schema and the settings allow it.</summary>
    private static async Task<int> WithDatabaseAsync<TService>(bool migrateFirst, Func<TService, Task<int>> work)
        where TService : notnull
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
        builder.Services.AddScoped<SourceAllowances>();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            // A fresh deployment may create its first key before the service ever started.
            if (migrateFirst && host.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
            {
                await host.Services.GetRequiredService<DatabaseMigrator<IngestDbContext>>().MigrateAsync(CancellationToken.None);
            }

            return await work(scope.ServiceProvider.GetRequiredService<TService>());
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
    }
}
