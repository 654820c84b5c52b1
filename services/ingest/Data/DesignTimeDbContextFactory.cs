using Moderation.Data;

namespace Moderation.Ingest.Data;

internal sealed class DesignTimeDbContextFactory() : PostgresDesignTimeFactory<IngestDbContext>("moderation_ingest", IngestDbContext.ConfigureOptions);
