using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Moderation.Results.Data;

namespace Moderation.Results.Registry;

/// <summary>Writes <c>model_frame_scores</c>: at most one row per (medium, frame, model, version), whatever is redelivered.</summary>
public static class ModelScores
{
    /// <summary>Inserts the row unless it exists or its medium does not; true when a row is there now.</summary>
    public static async Task<bool> InsertAsync(ResultsDbContext db, Guid mediaId, int frameIndex, string modelName, string modelVersion, string purpose,
        double timestampSeconds, IReadOnlyDictionary<string, float>? scores, string? failureReason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var json = scores is null ? null : JsonSerializer.Serialize(scores, ResultsDbContext.ColumnJson);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO model_frame_scores (media_id, frame_index, model_name, model_version, purpose, timestamp_seconds, scores, failure_reason, received_at)
            SELECT {mediaId}, {frameIndex}, {modelName}, {modelVersion}, {purpose}, {timestampSeconds}, CAST({json} AS jsonb), {failureReason}, {now}
            WHERE EXISTS (SELECT 1 FROM media WHERE id = {mediaId})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        return await db.ModelFrameScores.AnyAsync(
            f => f.MediaId == mediaId && f.FrameIndex == frameIndex && f.ModelName == modelName && f.ModelVersion == modelVersion, cancellationToken);
    }
}
