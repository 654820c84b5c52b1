using Microsoft.EntityFrameworkCore;

namespace Moderation.Ingest.Data;

/// <summary>Ingest's own database: API clients, submissions (idempotency), webhook replay protection, erasure tombstones and source allow-lists.</summary>
public sealed class IngestDbContext(DbContextOptions<IngestDbContext> options) : DbContext(options)
{
    public DbSet<ApiClient> ApiClients => Set<ApiClient>();

    public DbSet<Submission> Submissions => Set<Submission>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<Erasure> Erasures => Set<Erasure>();

    public DbSet<SourceAllowance> SourceAllowances => Set<SourceAllowance>();

    /// <summary>This context's settings wherever it is built (the service, its migrator, <c>dotnet ef</c>).</summary>
    public static void ConfigureOptions(DbContextOptionsBuilder options) => options.UseNpgsql(npgsql => npgsql.EnableRetryOnFailure(3));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ApiClient>(e =>
        {
            e.ToTable("api_clients");
            e.HasKey(x => x.Id);
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.Property(x => x.KeyPrefix).HasMaxLength(32);
            e.Property(x => x.KeyHash).HasMaxLength(64);
            e.Property(x => x.Description).HasMaxLength(256);
            e.HasIndex(x => x.KeyHash).IsUnique();
            e.HasIndex(x => x.ClientId);
        });

        modelBuilder.Entity<Submission>(e =>
        {
            e.ToTable("submissions");
            e.HasKey(x => x.Id);
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.Property(x => x.IdempotencyKey).HasMaxLength(256);
            e.Property(x => x.ExternalId).HasMaxLength(512);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.BlobKey).HasMaxLength(256);
            e.Property(x => x.ContentType).HasMaxLength(64);
            e.Property(x => x.SourceUrl).HasMaxLength(2048);
            e.Property(x => x.CallbackUrl).HasMaxLength(2048);
            e.Property(x => x.Policy).HasMaxLength(64);
            e.HasIndex(x => x.MediaId);
            // De-duplication asks results only about content ingest has seen before.
            e.HasIndex(x => x.Sha256);
            e.HasIndex(x => new { x.ClientId, x.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
            e.HasIndex(x => new { x.ClientId, x.ExternalId }).IsUnique().HasFilter("\"ExternalId\" IS NOT NULL");
        });

        modelBuilder.Entity<Erasure>(e =>
        {
            e.ToTable("erasures");
            e.HasKey(x => x.MediaId);
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.ErasedBy).HasMaxLength(128);
            e.Property(x => x.Reason).HasMaxLength(1024);
        });

        modelBuilder.Entity<SourceAllowance>(e =>
        {
            e.ToTable("source_allowances");
            e.HasKey(x => x.Id);
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.Property(x => x.Source).HasMaxLength(256);
            e.Property(x => x.Reason).HasMaxLength(1024);
            e.Property(x => x.CreatedBy).HasMaxLength(128);
            e.Property(x => x.RevokedBy).HasMaxLength(128);
            e.Property(x => x.RevokeReason).HasMaxLength(1024);
            // Every URL fetch reads its client's active entries.
            e.HasIndex(x => x.ClientId).HasFilter("\"RevokedAt\" IS NULL");
        });

        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.HasKey(x => new { x.ClientId, x.Signature });
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.Property(x => x.Signature).HasMaxLength(128);
            e.HasIndex(x => x.ReceivedAt);
        });
    }
}
