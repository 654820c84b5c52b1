using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Contracts;
using Moderation.Ingest.Data;
using Moderation.Ingest.Fetching;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Privacy;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Consumers;

/// <summary>
/// Completes <c>MediaSubmitted</c> messages that direct publishers sent with a <c>SourceUrl</c> and no <c>BlobKey</c>:
/// fetches the URL through the same SSRF guard and validation as the HTTP API, stores the blob, and publishes the same
/// message again with <c>BlobKey</c>, <c>Sha256</c>, <c>ContentType</c> and <c>SizeBytes</c> filled in. Messages that
/// already carry a <c>BlobKey</c> (including the ones this consumer publishes) are the frame extractor's and are
/// ignored here, so there is no loop. A medium that cannot be fetched or is refused ends in <c>MediaFailed</c>.
/// </summary>
public sealed class FetchSourceUrlConsumer(
    IUrlFetcher fetcher,
    MediaIntake intake,
    IngestDbContext db,
    StoredContent content,
    TimeProvider clock,
    ILogger<FetchSourceUrlConsumer> logger) : IConsumer<MediaSubmitted>
{
    public const string Stage = "ingest";

    public async Task Consume(ConsumeContext<MediaSubmitted> context)
    {
        var message = context.Message;
        if (message.BlobKey is not null || message.SourceUrl is null)
        {
            return;
        }

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
                await FailAsync(context, FailureReasons.ForbiddenReference, $"SourceUrl '{message.SourceUrl}' is not an absolute URL.");
                return;
            }

            staged = await fetcher.FetchAsync(url, (response, token) => intake.StageAsync(response.Content, response.ContentLength, token), context.CancellationToken);
        }
        catch (IntakeException e)
        {
            await FailAsync(context, e.FailureReason, e.Problem.Detail ?? e.Problem.Title ?? e.FailureReason);
            return;
        }

        // Under the content's lock, as every upload: an erasure releasing the same bytes cannot delete them in between.
        var stored = await content.UnderLockAsync(staged.Sha256, async token =>
        {
            var blobKey = await intake.PromoteAsync(staged, token);
            var completed = message with
            {
                BlobKey = blobKey,
                Sha256 = staged.Sha256,
                ContentType = staged.Format.ContentType,
                SizeBytes = staged.SizeBytes,
            };
            await context.Publish(completed, publish => publish.SetPriority(message.Priority.ToMessagePriority()), token);
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
            return completed;
        }, context.CancellationToken);
        logger.LogInformation("Fetched {MediaId} from {SourceUrl}: {ContentType}, {SizeBytes} bytes", message.MediaId, message.SourceUrl, stored.ContentType, stored.SizeBytes);
    }

    private async Task FailAsync(ConsumeContext<MediaSubmitted> context, string reason, string detail)
    {
        logger.LogWarning("Direct-published {MediaId} refused: {Reason} {Detail}", context.Message.MediaId, reason, detail);
        await context.Publish(new MediaFailed(context.Message.MediaId, context.Message.CorrelationId, reason, detail, Stage, clock.GetUtcNow()));
    }
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
