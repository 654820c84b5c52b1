using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Moderation.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build <typeparamref name="TContext"/>'s model without starting the service (no
/// bus, no server needed): a service derives one line from this with its database name and the same settings it gives
/// <see cref="DatabaseExtensions.AddMigratedDatabase{TContext}"/>. <c>ConnectionStrings__postgres</c> overrides the database.
/// </summary>
public abstract class PostgresDesignTimeFactory<TContext>(string databaseName, Action<DbContextOptionsBuilder>? configure = null)
    : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args) =>
        new PostgresDatabase<TContext>(
            Environment.GetEnvironmentVariable($"ConnectionStrings__{DatabaseExtensions.ConnectionName}") ?? $"Host=localhost;Database={databaseName}",
            configure).Create();
}
