using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Contracts.V1;
using Moderation.FrameExtractor.Extraction;

namespace Moderation.FrameExtractor.Apis;

/// <summary>
/// What this replica is extracting right now. The authoritative, cluster-wide progress of a medium (frames scored out of
/// frames planned) is served by results; this is the operator's view of one replica's work.
/// </summary>
public static class ExtractionsApi
{
    public static RouteGroupBuilder MapExtractionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/extractions").WithTags("Extractions");
        api.MapGet("/", List);
        api.MapGet("/{mediaId:guid}", Get);
        return api;
    }

    public static Ok<IReadOnlyList<ExtractionProgress>> List(ExtractionRegistry registry) =>
        TypedResults.Ok<IReadOnlyList<ExtractionProgress>>(registry.Snapshot().Select(ExtractionProgress.Of).ToList());

    public static Results<Ok<ExtractionProgress>, NotFound> Get(Guid mediaId, ExtractionRegistry registry) =>
        registry.Snapshot().FirstOrDefault(e => e.MediaId == mediaId) is { } running
            ? TypedResults.Ok(ExtractionProgress.Of(running))
            : TypedResults.NotFound();
}

/// <param name="Percent">Published frames as a percentage of planned frames; 0 until the plan exists.</param>
public sealed record ExtractionProgress(Guid MediaId, Guid CorrelationId, MediaKind? Kind, int PlannedFrames, int PublishedFrames, double Percent,
    DateTimeOffset StartedAt, bool Decided)
{
    public static ExtractionProgress Of(RunningExtraction e) => new(e.MediaId, e.CorrelationId, e.Kind, e.PlannedFrames, e.PublishedFrames,
        e.PlannedFrames == 0 ? 0 : Math.Round(100.0 * e.PublishedFrames / e.PlannedFrames, 1), e.StartedAt, e.IsDecided);
}
