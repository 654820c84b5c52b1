using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Moderation.Ingest.Data;

public static class DatabaseExtensions
{
    public const string ConnectionName = "postgres";

    /// <summary>Registers <see cref="IngestDbContext"/> on <c>ConnectionStrings:postgres</c>.</summary>
    public static IHostApplicationBuilder AddIngestDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} (an Npgsql connection string) is required.");
        builder.Services.AddDbContextPool<IngestDbContext>(o => o.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3)));
        return builder;
    }

    /// <summary>True when saving failed because a unique index already holds the value (a concurrent or repeated request).</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
