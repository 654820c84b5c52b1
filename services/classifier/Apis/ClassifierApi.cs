using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Moderation.Classifier.Inference;

namespace Moderation.Classifier.Apis;

/// <summary>
/// Read-only worker status for operators and the end-to-end tests. It answers loopback callers only (inside the pod,
/// <c>kubectl port-forward</c>, a local run); dashboards read the same numbers from the OpenTelemetry meter.
/// </summary>
public static class ClassifierApi
{
    public static RouteGroupBuilder MapClassifierApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/classifier");
        api.MapGet("/stats", GetStats);
        return api;
    }

    public static Results<Ok<ClassifierStats>, ProblemHttpResult> GetStats(HttpContext http, [AsParameters] ClassifierServices services)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "Classifier stats are served to loopback callers only.");
        }

        var model = services.Classifier.Model;
        var metrics = services.Metrics;
        return TypedResults.Ok(new ClassifierStats(
            model.Name,
            model.Version,
            services.FeedbackHead.Current?.Head.Version,
            services.Classifier.ExecutionProvider.ToString(),
            services.Readiness.IsReady,
            metrics.FramesClassified,
            metrics.FramesFailed,
            metrics.Batches,
            metrics.LargestBatch,
            services.Escalation.Classifier?.Model.Name,
            metrics.FramesEscalated,
            [.. services.CascadeBands.Current?.Policies.Select(p => $"{p.Policy} v{p.PolicyVersion}: {p.Models}") ?? []]));
    }
}

public sealed record ClassifierServices(IFrameClassifier Classifier, FeedbackHead FeedbackHead, ClassifierMetrics Metrics, ModelReadiness Readiness,
    EscalationModel Escalation, CascadeBandsCache CascadeBands);

/// <summary>Counts since the worker started.</summary>
public sealed record ClassifierStats(
    string ModelName,
    string ModelVersion,
    string? FeedbackHeadVersion,
    string ExecutionProvider,
    bool Ready,
    long FramesClassified,
    long FramesFailed,
    long Batches,
    int LargestBatch,
    string? EscalationModelName,
    long FramesEscalated,
    IReadOnlyList<string> CascadeBands);
