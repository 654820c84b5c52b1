using Microsoft.EntityFrameworkCore;

namespace Moderation.Data;

/// <summary>
/// How a service builds its <typeparamref name="TContext"/>: the connection string and the context's own option
/// settings (naming conventions, retries), the same for requests, the migrator and <c>dotnet ef</c>.
/// </summary>
public sealed class PostgresDatabase<TContext>(string connectionString, Action<DbContextOptionsBuilder>? configure)
    where TContext : DbContext
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>Applies the connection and the context's settings to <paramref name="options"/>.</summary>
    public DbContextOptionsBuilder Apply(DbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseNpgsql(ConnectionString);
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A context of its own (not from the pool), for one-shot work such as migrating.</summary>
    public TContext Create(Action<DbContextOptionsBuilder>? also = null)
    {
        var options = new DbContextOptionsBuilder<TContext>();
        Apply(options);
        also?.Invoke(options);
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }
}
