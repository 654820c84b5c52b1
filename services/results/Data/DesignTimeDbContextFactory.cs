using Moderation.Data;

namespace Moderation.Results.Data;

internal sealed class DesignTimeDbContextFactory() : PostgresDesignTimeFactory<ResultsDbContext>("moderation_results", ResultsDbContext.ConfigureOptions);
