using System.Security.Claims;
using MassTransit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;
using Moderation.Ingest.RateLimiting;

namespace Moderation.Ingest.Apis;

/// <summary>Submitting media (upload or URL) and following them to a verdict.</summary>
public static class MediaApi
{
    private const int MaxFieldBytes = 4096;

    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Media");

        api.MapPost("/media", UploadAsync)
            .RequireAuthorization(ModerationScopes.Submit)
            .RequireRateLimiting(SubmissionRateLimits.Policy)
            // Any declared type is accepted: the format is decided by sniffing the content, never by the header.
            .Accepts<Stream>("application/octet-stream", "multipart/form-data", "image/*", "video/*", "*/*")
            .WithSummary("Upload a medium")
            .WithDescription("Streams the body (raw, or the file part of multipart/form-data) to the blob store. The format is sniffed from the content. " +
                "Metadata comes from the query string or from form fields placed before the file part.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/media:by-url", SubmitUrlAsync)
            .RequireAuthorization(ModerationScopes.Submit)
            .RequireRateLimiting(SubmissionRateLimits.Policy)
            .WithSummary("Submit a medium by URL")
            .WithDescription("Ingest fetches the URL (http/https, public addresses only, redirects re-checked) and streams it to the blob store.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/media/{id:guid}", GetAsync)
            .RequireAuthorization(ModerationScopes.Read)
            .WithName("GetMedia")
            .WithSummary("Status, progress and verdict of a medium")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    public static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> UploadAsync(
        HttpContext http,
        [FromQuery] string? externalId,
        [FromQuery] string? callbackUrl,
        [FromQuery] string? priority,
        [FromQuery] string? policy,
        [FromQuery] int? wait,
        [FromHeader(Name = SubmissionValidation.IdempotencyKeyHeader)] string? idempotencyKey,
        [AsParameters] IntakeServices services,
        CancellationToken cancellationToken)
    {
        var waitFor = WaitFor(wait);

        // Sized for the largest allowed medium; the per-format limit is enforced while streaming.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = services.IntakeOptions.Value.LargestAllowed + 1024 * 1024;
        }

        var multipart = MultipartBoundary(http.Request);
        var reader = multipart is null ? null : new MultipartReader(multipart, http.Request.Body) { BodyLengthLimit = null };
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Stream content = http.Request.Body;
        var declaredLength = http.Request.ContentLength;
        if (reader is not null)
        {
            content = await ReadUntilFileAsync(reader, fields, cancellationToken);
            declaredLength = null;
        }

        var request = SubmissionValidation.Validate(http.User.ClientId(), SubmissionSource.Upload, idempotencyKey,
            externalId ?? fields.GetValueOrDefault("externalId"), callbackUrl ?? fields.GetValueOrDefault("callbackUrl"),
            priority ?? fields.GetValueOrDefault("priority"), policy ?? fields.GetValueOrDefault("policy"), sourceUrl: null);
        if (await services.Submissions.FindRetryAsync(request.ClientId, request.IdempotencyKey, request.ExternalId, cancellationToken) is { } previous)
        {
            return await RespondAsync(http, services, previous, waitFor, cancellationToken);
        }

        request = services.UrgentCeiling.Apply(request);
        if (services.BackPressure.Refusal(request.Priority) is { } refusal)
        {
            throw refusal;
        }

        var staged = await services.Intake.StageAsync(content, declaredLength, cancellationToken);
        if (reader is not null && await reader.ReadNextSectionAsync(cancellationToken) is not null)
        {
            await services.Intake.DiscardAsync(staged);
            throw Invalid("multipart", "Put metadata fields before the file part, and send a single file.");
        }

        return await RespondAsync(http, services, await services.Submissions.SubmitAsync(staged, request, cancellationToken), waitFor, cancellationToken);
    }

    public static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> SubmitUrlAsync(
        HttpContext http,
        UrlSubmission body,
        [FromQuery] int? wait,
        [FromHeader(Name = SubmissionValidation.IdempotencyKeyHeader)] string? idempotencyKey,
        [AsParameters] IntakeServices services,
        CancellationToken cancellationToken)
    {
        var waitFor = WaitFor(wait);
        var request = SubmissionValidation.Validate(http.User.ClientId(), SubmissionSource.Url, idempotencyKey, body.ExternalId, body.CallbackUrl,
            body.Priority?.ToString(), body.Policy, body.Url ?? "");
        return await SubmitFromUrlAsync(http, request, services, cancellationToken, waitFor);
    }

    /// <summary>Shared by <c>/media:by-url</c> and the upload hook: fetch through the SSRF guard, stage, submit.</summary>
    public static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> SubmitFromUrlAsync(
        HttpContext http, SubmissionRequest request, IntakeServices services, CancellationToken cancellationToken, TimeSpan waitFor = default)
    {
        if (await services.Submissions.FindRetryAsync(request.ClientId, request.IdempotencyKey, request.ExternalId, cancellationToken) is { } previous)
        {
            return await RespondAsync(http, services, previous, waitFor, cancellationToken);
        }

        request = services.UrgentCeiling.Apply(request);
        if (services.BackPressure.Refusal(request.Priority) is { } refusal)
        {
            throw refusal;
        }

        var allowed = await services.Sources.ForClientAsync(request.ClientId, cancellationToken);
        var staged = await services.Fetcher.FetchAsync(new Uri(request.SourceUrl!), allowed,
            (response, token) => services.Intake.StageAsync(response.Content, response.ContentLength, token), cancellationToken);
        return await RespondAsync(http, services, await services.Submissions.SubmitAsync(staged, request, cancellationToken), waitFor, cancellationToken);
    }

    public static async Task<Results<Ok<MediaStatusResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] IntakeServices services, CancellationToken cancellationToken)
    {
        var clientId = user.ClientId();
        var own = await services.Db.Submissions.AsNoTracking()
            .Where(s => s.MediaId == id && s.ClientId == clientId && s.State != SubmissionState.Pending)
            .OrderBy(s => s.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        // Clients see their own media; a cross-tenant scope sees every medium.
        if (own is null && user.MediaOwnerFilter() is not null)
        {
            return NotFound(id);
        }

        // A medium of another client is read on the strength of a cross-tenant scope: results audits such reads.
        var status = await AskResultsAsync(services,
            own is null ? new GetMediaStatus(id, clientId, user.KeyId()) : new GetMediaStatus(id), cancellationToken);
        if (!status.Found)
        {
            return own is null
                ? NotFound(id)
                : TypedResults.Ok(new MediaStatusResponse(id, MediaStates.Pending, own.ExternalId, own.Sha256, 0, 0, 0, null, null));
        }

        // The client's own record names the medium as this client knows it.
        return TypedResults.Ok(new MediaStatusResponse(id, status.State, own is null ? status.ExternalId : own.ExternalId, status.Sha256 ?? own?.Sha256,
            status.PlannedFrames, status.FramesScored, status.Progress, status.Verdict, status.Failure) { Hashes = status.Hashes });
    }

    /// <summary>The longest a submission may wait for its verdict (<c>wait</c>, in milliseconds).</summary>
    public const int MaxWaitMilliseconds = 30_000;

    private static TimeSpan WaitFor(int? wait) => wait switch
    {
        null or 0 => TimeSpan.Zero,
        > 0 and <= MaxWaitMilliseconds => TimeSpan.FromMilliseconds(wait.Value),
        _ => throw Invalid("wait", $"wait is how many milliseconds to wait for the verdict: 0 to {MaxWaitMilliseconds}."),
    };

    private static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> RespondAsync(
        HttpContext http, IntakeServices services, Submission previous, TimeSpan waitFor, CancellationToken cancellationToken)
    {
        if (previous.State != SubmissionState.Duplicate)
        {
            return await RespondAsync(http, services, new AcceptedSubmission(previous), waitFor, cancellationToken);
        }

        var existing = await AskResultsAsync(services, new GetMediaStatus(previous.MediaId), cancellationToken);
        return Respond(http, services, new DuplicateSubmission(previous, existing));
    }

    /// <summary>
    /// The answer to a submission: with <c>wait</c>, once the medium concluded within that time, 200 with its verdict or
    /// failure (as <c>GET /media/{id}</c> would give it); otherwise 202 and the status URL.
    /// </summary>
    private static async Task<Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>>> RespondAsync(
        HttpContext http, IntakeServices services, SubmissionOutcome outcome, TimeSpan waitFor, CancellationToken cancellationToken)
    {
        if (outcome is not AcceptedSubmission || waitFor <= TimeSpan.Zero)
        {
            return Respond(http, services, outcome);
        }

        var s = outcome.Submission;
        var status = await services.Waiters.WaitAsync(s.MediaId, waitFor, token => AskResultsAsync(services, new GetMediaStatus(s.MediaId), token),
            status => status.State is MediaStates.Completed or MediaStates.Failed, cancellationToken);
        if (status.State is not (MediaStates.Completed or MediaStates.Failed))
        {
            return Respond(http, services, outcome);
        }

        var statusUrl = services.IngestOptions.Value.StatusUrl(s.MediaId);
        http.Response.Headers.Location = statusUrl;
        return TypedResults.Ok(new SubmissionResponse(s.MediaId, status.State, statusUrl, false, s.Sha256, s.ContentType, s.SizeBytes, s.ExternalId,
            s.Priority, status.Verdict) { Failure = status.Failure });
    }

    private static Results<Accepted<SubmissionResponse>, Ok<SubmissionResponse>> Respond(HttpContext http, IntakeServices services, SubmissionOutcome outcome)
    {
        var s = outcome.Submission;
        var statusUrl = services.IngestOptions.Value.StatusUrl(s.MediaId);
        if (outcome is DuplicateSubmission duplicate)
        {
            http.Response.Headers.Location = statusUrl;
            return TypedResults.Ok(new SubmissionResponse(s.MediaId, MediaStates.Completed, statusUrl, true, s.Sha256, s.ContentType, s.SizeBytes,
                s.ExternalId, s.Priority, duplicate.Existing.Verdict));
        }

        return TypedResults.Accepted(statusUrl, new SubmissionResponse(s.MediaId, MediaStates.Pending, statusUrl, false, s.Sha256, s.ContentType,
            s.SizeBytes, s.ExternalId, s.Priority, null));
    }

    private static async Task<MediaStatus> AskResultsAsync(IntakeServices services, GetMediaStatus request, CancellationToken cancellationToken)
    {
        try
        {
            var timeout = RequestTimeout.After(ms: (int)services.ResultsOptions.Value.RequestTimeout.TotalMilliseconds);
            return (await services.Status.GetResponse<MediaStatus>(request, cancellationToken, timeout)).Message;
        }
        catch (RequestTimeoutException)
        {
            throw new IntakeException(
                Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.ResultsUnavailable, "Results unavailable",
                    "The results service did not answer in time. Retry later."),
                FailureReasons.Internal, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Reads form fields up to the first file part and returns that part's body, still unread.</summary>
    private static async Task<Stream> ReadUntilFileAsync(MultipartReader reader, Dictionary<string, string> fields, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            var disposition = section.GetContentDispositionHeader();
            if (disposition is null)
            {
                continue;
            }

            if (disposition.IsFileDisposition())
            {
                return section.Body;
            }

            var buffer = new byte[MaxFieldBytes + 1];
            var length = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (length > MaxFieldBytes)
            {
                throw Invalid(disposition.Name.Value ?? "field", $"Form fields may be at most {MaxFieldBytes} bytes.");
            }

            fields[disposition.Name.Value ?? ""] = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }

        throw Invalid("file", "The multipart body has no file part.");
    }

    private static string? MultipartBoundary(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
            !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200
            ? throw Invalid("Content-Type", "multipart/form-data needs a boundary of at most 200 characters.")
            : boundary;
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Medium not found", $"No medium {id} visible to this API key."));

    private static IntakeException Invalid(string field, string message) =>
        new(Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Invalid submission", message,
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } }),
            FailureReasons.Internal);
}
