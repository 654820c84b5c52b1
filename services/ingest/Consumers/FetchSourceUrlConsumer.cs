using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Fetching;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Consumers;

/// <summary>
/// Fetches the media direct publishers submit by URL (<see cref="SubmitMediaByUrl"/>): through the same SSRF guard and
/// validation as the HTTP API, stores the blob, records the submission and publishes <see cref="MediaSubmitted"/> with
/// <c>BlobKey</c>, <c>Sha256</c>, <c>ContentType</c> and <c>SizeBytes</c>. A medium that cannot be fetched or is refused
/// ends in <see cref="MediaFailed"/>.
/// While deployments roll, a direct publisher of an earlier version still sends the previous format, a
/// <see cref="MediaSubmitted"/> with a <c>SourceUrl</c> and no <c>BlobKey</c>; it is handled exactly as
/// <see cref="SubmitMediaByUrl"/>. Every other <see cref="MediaSubmitted"/> (the stored ones, this consumer's own
/// included) is the frame extractor's and ignored here, so there is no loop. The class keeps its name, and so its
/// queue (<c>fetch-source-url</c>), so old and new instances share one queue and fetch each URL once.
/// </summary>
public sealed class FetchSourceUrlConsumer(
    IUrlFetcher fetcher,
    SourceAllowances sources,
    MediaIntake intake,
    IngestDbContext db,
    StoredContent content,
    TimeProvider clock,
    ILogger<FetchSourceUrlConsumer> logger) : IConsumer<SubmitMediaByUrl>, IConsumer<MediaSubmitted>
{
    public const string Stage = "ingest";

    public Task Consume(ConsumeContext<SubmitMediaByUrl> context)
    {
        var m = context.Message;
        return FetchAsync(context, new UrlSubmission(m.MediaId, m.CorrelationId, m.SourceUrl, m.ExternalId, m.CallbackUrl, m.Priority, m.Policy, m.ClientId,
            m.SubmittedAt));
    }

    /// <summary>The previous, URL-only format of <see cref="SubmitMediaByUrl"/>; stored media pass by.</summary>
    public Task Consume(ConsumeContext<MediaSubmitted> context)
    {
        var m = context.Message;
        return !string.IsNullOrEmpty(m.BlobKey) || m.SourceUrl is null
            ? Task.CompletedTask
            : FetchAsync(context, new UrlSubmission(m.MediaId, m.CorrelationId, m.SourceUrl, m.ExternalId, m.CallbackUrl, m.Priority, m.Policy, m.ClientId,
                m.SubmittedAt));
    }

    private async Task FetchAsync(ConsumeContext context, UrlSubmission message)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MediaId"] = message.MediaId });
        // A redelivery after the stored copy was already published must not publish it twice.
        if (await db.Submissions.AnyAsync(s => s.MediaId == message.MediaId && s.Source == SubmissionSource.DirectPublish, context.CancellationToken))
        {
            return;
        }

        StagedMedia staged;
        try
        {
            if (!Uri.TryCreate(message.SourceUrl, UriKind.Absolute, out var url))
            {
                await FailAsync(context, message, FailureReasons.ForbiddenReference, $"SourceUrl '{message.SourceUrl}' is not an absolute URL.");
                return;
            }

            var allowed = await sources.ForClientAsync(message.ClientId, context.CancellationToken);
            staged = await fetcher.FetchAsync(url, allowed, (response, token) => intake.StageAsync(response.Content, response.ContentLength, token), context.CancellationToken);
        }
        catch (IntakeException e)
        {
            await FailAsync(context, message, e.FailureReason, e.Problem.Detail ?? e.Problem.Title ?? e.FailureReason);
            return;
        }

        // Under the content's lock, as every upload: an erasure releasing the same bytes cannot delete them in between.
        var stored = await content.UnderLockAsync(staged.Sha256, async token =>
        {
            var blobKey = await intake.PromoteAsync(staged, token);
            var submitted = new MediaSubmitted(message.MediaId, message.CorrelationId, blobKey, message.SourceUrl, staged.Sha256, staged.Format.ContentType,
                staged.SizeBytes, message.ExternalId, message.CallbackUrl, message.Priority, message.Policy, message.ClientId, message.SubmittedAt);
            await context.Publish(submitted, publish => publish.SetPriority(message.Priority.ToMessagePriority()), token);
            if (!db.ChangeTracker.Entries<Submission>().Any())
            {
                db.Submissions.Add(new Submission
                {
                    Id = Guid.CreateVersion7(),
                    MediaId = message.MediaId,
                    CorrelationId = message.CorrelationId,
                    ClientId = message.ClientId ?? "direct-publish",
                    State = SubmissionState.Accepted,
                    Source = SubmissionSource.DirectPublish,
                    Sha256 = staged.Sha256,
                    BlobKey = blobKey,
                    ContentType = staged.Format.ContentType,
                    SizeBytes = staged.SizeBytes,
                    SourceUrl = message.SourceUrl,
                    CallbackUrl = message.CallbackUrl,
                    Priority = message.Priority,
                    Policy = message.Policy,
                    CreatedAt = clock.GetUtcNow(),
                    AcceptedAt = clock.GetUtcNow(),
                });
            }

            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, token);
            return submitted;
        }, context.CancellationToken);
        logger.LogInformation("Fetched {MediaId} from {SourceUrl}: {ContentType}, {SizeBytes} bytes", message.MediaId, message.SourceUrl, stored.ContentType, stored.SizeBytes);
    }

    private async Task FailAsync(ConsumeContext context, UrlSubmission message, string reason, string detail)
    {
        logger.LogWarning("Direct-published {MediaId} refused: {Reason} {Detail}", message.MediaId, reason, detail);
        await context.Publish(new MediaFailed(message.MediaId, message.CorrelationId, reason, detail, Stage, clock.GetUtcNow()));
    }

    /// <summary>What either format asks for (ingest only receives <see cref="SubmitMediaByUrl"/>, never publishes it).</summary>
    private sealed record UrlSubmission(Guid MediaId, Guid CorrelationId, string SourceUrl, string? ExternalId, string? CallbackUrl,
        SubmissionPriority Priority, string? Policy, string? ClientId, DateTimeOffset SubmittedAt);
}

public sealed class FetchSourceUrlConsumerDefinition : QueueConsumerDefinition<FetchSourceUrlConsumer>
{
    public FetchSourceUrlConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.FetchSourceUrl)
    {
        // Each fetch holds a connection and streams up to gigabytes; a few at a time per instance.
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FetchSourceUrlConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 16;
    }
}
