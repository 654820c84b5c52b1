using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Moderation.Data;

/// <summary>
/// Brings <typeparamref name="TContext"/>'s database to the latest migration: at start when <c>Database:MigrateOnStart</c>
/// is true (registered before the bus, so no consumer ever runs against an old schema), or when a service's
/// <c>migrate</c> command asks. Creates the database when it does not exist yet, so a fresh install needs no manual step.
/// Replicas starting together are safe: creating the database tolerates losing the race, and migrating holds a
/// PostgreSQL advisory lock, so one replica migrates while the others wait and then find nothing left to apply.
/// </summary>
public sealed class DatabaseMigrator<TContext>(
    PostgresDatabase<TContext> database,
    IOptions<DatabaseOptions> options,
    ILoggerFactory loggerFactory) : IHostedService
    where TContext : DbContext
{
    /// <summary>The advisory lock of this context's migrations, the same number in every process.</summary>
    private static readonly long LockKey = BinaryPrimitives.ReadInt64BigEndian(
        SHA256.HashData(Encoding.UTF8.GetBytes("moderation:migrations:" + typeof(TContext).FullName)));

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
        await CreateDatabaseIfMissingAsync(db, cancellationToken);

        // EF Core's own migration lock did not keep replicas from applying the same migration twice (seen with
        // Npgsql 10): a session-level advisory lock held for the whole run does.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } })
        {
            await acquire.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                _logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
                await db.Database.MigrateAsync(cancellationToken);
            }

            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            _logger.LogInformation("Database schema is at {Migration} ({Count} migrations applied)", applied.LastOrDefault(), applied.Count);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task CreateDatabaseIfMissingAsync(TContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken))
        {
            return;
        }

        try
        {
            await creator.CreateAsync(cancellationToken);
            _logger.LogInformation("Created the database");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            _logger.LogInformation("Another process created the database first");
        }
    }
}
