using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Moderation.Results.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service (no bus, no server).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ResultsDbContext>
{
    public ResultsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ResultsDbContext>()
            .UseNpgsql("Host=localhost;Database=moderation_results")
            .UseSnakeCaseNamingConvention()
            .Options);
}
