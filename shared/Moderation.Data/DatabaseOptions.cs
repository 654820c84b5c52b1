namespace Moderation.Data;

/// <summary>Section <c>Database</c> of every service with a database.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// Apply pending migrations before the bus starts (scripts, single-node installs). In Kubernetes a Job runs the
    /// service's <c>migrate</c> command instead. Concurrent starts are safe: EF Core holds a lock on the migrations
    /// history table while it migrates, so a second replica waits and then finds nothing left to apply.
    /// </summary>
    public bool MigrateOnStart { get; set; }
}
