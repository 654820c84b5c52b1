namespace Moderation.Results.Extensions;

/// <summary>Section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public const string ConnectionName = "postgres";

    /// <summary>
    /// Apply pending migrations before the bus starts (scripts, single-node installs). In Kubernetes a Job runs
    /// <c>dotnet Moderation.Results.dll migrate</c> instead. Concurrent starts are safe: EF Core takes a migration lock.
    /// </summary>
    public bool MigrateOnStart { get; set; }
}
