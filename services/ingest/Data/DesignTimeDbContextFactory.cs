using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Moderation.Ingest.Data;

/// <summary>Lets <c>dotnet ef</c> build the model without starting the service (which needs RabbitMQ).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<IngestDbContext>
{
    public IngestDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IngestDbContext>()
            .UseNpgsql(Environment.GetEnvironmentVariable("ConnectionStrings__postgres") ?? "Host=127.0.0.1;Database=moderation_ingest")
            .Options);
}
