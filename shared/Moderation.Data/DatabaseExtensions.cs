using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Moderation.ServiceDefaults;
using Npgsql;

namespace Moderation.Data;

public static class DatabaseExtensions
{
    public const string ConnectionName = "postgres";

    /// <summary>
    /// The service's own PostgreSQL database on <c>ConnectionStrings:postgres</c>: a pooled <typeparamref name="TContext"/>
    /// with the context's settings from <paramref name="configure"/>, a readiness check, <see cref="DatabaseOptions"/>, and
    /// the <see cref="DatabaseMigrator{TContext}"/> (at start with <c>Database:MigrateOnStart</c>; call this before adding
    /// the bus so migrations finish before any consumer starts).
    /// </summary>
    public static IHostApplicationBuilder AddMigratedDatabase<TContext>(this IHostApplicationBuilder builder, Action<DbContextOptionsBuilder>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} (an Npgsql connection string) is required.");
        var database = new PostgresDatabase<TContext>(connectionString, configure);
        builder.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        builder.Services.AddSingleton(database);
        builder.Services.AddDbContextPool<TContext>(o => database.Apply(o));
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>("postgres", tags: [ServiceDefaults.Extensions.ReadyTag]);
        builder.Services.AddSingleton<DatabaseMigrator<TContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        return builder;
    }

    /// <summary>True when saving failed because a unique index already holds the value (a concurrent or repeated request).</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
