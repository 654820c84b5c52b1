using Moderation.Ingest.Waiting;
using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Ingest.BackPressure;
using Moderation.Ingest.Data;
using Moderation.Ingest.Fetching;
using Moderation.Ingest.Intake;
using Moderation.Ingest.RateLimiting;

namespace Moderation.Ingest.Apis;

/// <summary>What the submission and status endpoints depend on, gathered for <c>[AsParameters]</c>.</summary>
public sealed record IntakeServices(
    SubmissionService Submissions,
    MediaIntake Intake,
    IUrlFetcher Fetcher,
    SourceAllowances Sources,
    QueueDepthMonitor BackPressure,
    UrgentCeiling UrgentCeiling,
    IngestDbContext Db,
    IRequestClient<GetMediaStatus> Status,
    VerdictWaiters Waiters,
    IOptions<IngestOptions> IngestOptions,
    IOptions<IntakeOptions> IntakeOptions,
    IOptions<ResultsClientOptions> ResultsOptions);
