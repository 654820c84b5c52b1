using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Moderation.Data;

/// <summary>
/// Brings <typeparamref name="TContext"/>'s database to the latest migration: at start when <c>Database:MigrateOnStart</c>
/// is true (registered before the bus, so no consumer ever runs against an old schema), or when a service's
/// <c>migrate</c> command asks. Creates the database when it does not exist yet, so a fresh install needs no manual step.
/// </summary>
public sealed class DatabaseMigrator<TContext>(
    PostgresDatabase<TContext> database,
    IOptions<DatabaseOptions> options,
    ILoggerFactory loggerFactory) : IHostedService
    where TContext : DbContext
{
    private readonly ILogger _logger = loggerFactory.CreateLogger($"Moderation.Data.DatabaseMigrator<{typeof(TContext).Name}>");

    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.MigrateOnStart ? MigrateAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // EF probes the history table before it exists on a fresh database; that failed probe is expected, not an error.
        await using var db = database.Create(o => o
            .UseLoggerFactory(loggerFactory)
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug))));
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            _logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        }

        // Takes EF Core's migration lock, and looks for pending migrations again under it: a replica that waited applies nothing twice.
        await db.Database.MigrateAsync(cancellationToken);
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        _logger.LogInformation("Database schema is at {Migration} ({Count} migrations applied)", applied.LastOrDefault(), applied.Count);
    }
}
