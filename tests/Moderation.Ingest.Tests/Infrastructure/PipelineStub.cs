using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Ingest.Tests.Infrastructure;

/// <summary>
/// The rest of the pipeline as far as ingest can tell, on the real broker: a results stand-in answering
/// <see cref="GetMediaStatus"/> and <see cref="FindVerdictByContent"/> from what a test sets, and the frame extractor's
/// input queue recording every <see cref="MediaSubmitted"/> (with its AMQP priority) and <see cref="MediaFailed"/>.
/// </summary>
public sealed class PipelineStub : IAsyncDisposable
{
    public const string ExtractorQueue = "extract-frames";

    private readonly ServiceProvider _provider;
    private readonly IBusControl _bus;

    private PipelineStub(ServiceProvider provider)
    {
        _provider = provider;
        _bus = provider.GetRequiredService<IBusControl>();
        State = provider.GetRequiredService<StubState>();
    }

    public StubState State { get; }

    public IBus Bus => _bus;

    public static async Task<PipelineStub> StartAsync(string rabbitMqUri)
    {
        var endpoint = RabbitMqEndpoint.Parse(rabbitMqUri);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<StubState>();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<StatusResponder>();
            x.AddConsumer<VerdictResponder>();
            x.AddConsumer<ReuseResponder>();
            x.AddConsumer<EraseResponder>();
            x.AddConsumer<ReferencesResponder>();
            x.AddConsumer<SubmittedRecorder>();
            x.AddConsumer<FailedRecorder>();
            x.AddRequestClient<AuthenticateApiKey>(RequestTimeout.After(s: 10));
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
                {
                    h.Username(endpoint.Username);
                    h.Password(endpoint.Password);
                    h.PublisherConfirmation = true;
                });
                cfg.ReceiveEndpoint(ExtractorQueue, e => e.ConfigureConsumer<SubmittedRecorder>(context));
                cfg.ReceiveEndpoint("stub-media-failed", e => e.ConfigureConsumer<FailedRecorder>(context));
                cfg.ReceiveEndpoint("stub-results-status", e => e.ConfigureConsumer<StatusResponder>(context));
                cfg.ReceiveEndpoint("stub-results-verdicts", e => e.ConfigureConsumer<VerdictResponder>(context));
                cfg.ReceiveEndpoint("stub-results-reuse", e => e.ConfigureConsumer<ReuseResponder>(context));
                cfg.ReceiveEndpoint("stub-results-erase", e => e.ConfigureConsumer<EraseResponder>(context));
                cfg.ReceiveEndpoint("stub-results-references", e => e.ConfigureConsumer<ReferencesResponder>(context));
            });
        });
        var provider = services.BuildServiceProvider();
        var stub = new PipelineStub(provider);
        using var start = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stub._bus.StartAsync(start.Token);
        return stub;
    }

    public IRequestClient<AuthenticateApiKey> AuthenticateClient() => _provider.GetRequiredService<IRequestClient<AuthenticateApiKey>>();

    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync();
        await _provider.DisposeAsync();
    }

    public sealed class StubState
    {
        public ConcurrentDictionary<Guid, MediaStatus> Statuses { get; } = new();

        public ConcurrentDictionary<string, MediaStatus> VerdictsBySha256 { get; } = new();

        public ConcurrentQueue<(MediaSubmitted Message, byte Priority)> Submitted { get; } = new();

        public ConcurrentQueue<MediaFailed> Failed { get; } = new();

        public ConcurrentQueue<ReuseVerdict> Reuses { get; } = new();

        public ConcurrentQueue<GetMediaStatus> StatusRequests { get; } = new();

        /// <summary>Results' tombstones: media erased there.</summary>
        public ConcurrentDictionary<Guid, MediumErasure> Erasures { get; } = new();

        /// <summary>Runs before an erasure is recorded and answered (a test holds it there to make requests overlap).</summary>
        public Func<EraseMedium, Task> BeforeErasure { get; set; } = _ => Task.CompletedTask;

        /// <summary>Runs after <see cref="CountContentReferences"/> was counted and before the count is answered.</summary>
        public Func<CountContentReferences, Task> BeforeAnsweringCount { get; set; } = _ => Task.CompletedTask;

        /// <summary>
        /// What results would answer <see cref="CountContentReferences"/> with: the media submitted with this content that
        /// are not erased.
        /// </summary>
        public int References(string sha256) =>
            Submitted.Select(s => s.Message).Where(m => string.Equals(m.Sha256, sha256, StringComparison.OrdinalIgnoreCase) && !Erasures.ContainsKey(m.MediaId))
                .Select(m => m.MediaId).Distinct().Count();

        private int _verdictQueries;

        public int VerdictQueries => _verdictQueries;

        public void CountVerdictQuery() => Interlocked.Increment(ref _verdictQueries);

        public IReadOnlyList<MediaSubmitted> SubmittedFor(Guid mediaId) => Submitted.Where(s => s.Message.MediaId == mediaId).Select(s => s.Message).ToList();

        public async Task<(MediaSubmitted Message, byte Priority)> WaitForSubmittedAsync(Func<MediaSubmitted, bool> match, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
            while (DateTime.UtcNow < deadline)
            {
                foreach (var item in Submitted)
                {
                    if (match(item.Message))
                    {
                        return item;
                    }
                }

                await Task.Delay(50);
            }

            throw new TimeoutException("No matching MediaSubmitted arrived.");
        }

        public async Task<MediaFailed> WaitForFailedAsync(Guid mediaId)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                if (Failed.FirstOrDefault(f => f.MediaId == mediaId) is { } failed)
                {
                    return failed;
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"No MediaFailed for {mediaId} arrived.");
        }
    }

    private sealed class StatusResponder(StubState state) : IConsumer<GetMediaStatus>
    {
        public Task Consume(ConsumeContext<GetMediaStatus> context)
        {
            state.StatusRequests.Enqueue(context.Message);
            return context.RespondAsync(state.Statuses.TryGetValue(context.Message.MediaId, out var status)
                ? status
                : new MediaStatus(context.Message.MediaId, false, MediaStates.Unknown, null, null, 0, 0, 0, null, null));
        }
    }

    private sealed class VerdictResponder(StubState state) : IConsumer<FindVerdictByContent>
    {
        public Task Consume(ConsumeContext<FindVerdictByContent> context)
        {
            state.CountVerdictQuery();
            return context.RespondAsync(state.VerdictsBySha256.TryGetValue(context.Message.Sha256, out var status)
                ? status
                : new MediaStatus(Guid.Empty, false, MediaStates.Unknown, null, context.Message.Sha256, 0, 0, 0, null, null));
        }
    }

    /// <summary>Plays results' cross-client de-duplication: the judged status, under the new id and the client's external id.</summary>
    private sealed class ReuseResponder(StubState state) : IConsumer<ReuseVerdict>
    {
        public Task Consume(ConsumeContext<ReuseVerdict> context)
        {
            var request = context.Message;
            state.Reuses.Enqueue(request);
            var copy = state.Statuses.TryGetValue(request.SourceMediaId, out var source)
                ? source with { MediaId = request.MediaId, ExternalId = request.ExternalId }
                : new MediaStatus(request.MediaId, false, MediaStates.Unknown, null, null, 0, 0, 0, null, null);
            state.Statuses[request.MediaId] = copy;
            return context.RespondAsync(copy);
        }
    }

    /// <summary>Plays results' half of an erasure: a tombstone per medium, answered again on every repetition.</summary>
    private sealed class EraseResponder(StubState state) : IConsumer<EraseMedium>
    {
        public async Task Consume(ConsumeContext<EraseMedium> context)
        {
            var request = context.Message;
            if (!state.Erasures.TryGetValue(request.MediaId, out var tombstone))
            {
                await state.BeforeErasure(request);
                tombstone = state.Erasures.GetOrAdd(request.MediaId, id => new MediumErasure(
                    id, ErasureOutcomes.Erased, request.ClientId, request.Sha256, request.ErasedBy, DateTimeOffset.UtcNow, request.Reason));
            }

            await context.RespondAsync(tombstone);
            state.Erasures[request.MediaId] = tombstone with { Outcome = ErasureOutcomes.AlreadyErased };
        }
    }

    private sealed class ReferencesResponder(StubState state) : IConsumer<CountContentReferences>
    {
        public async Task Consume(ConsumeContext<CountContentReferences> context)
        {
            var count = state.References(context.Message.Sha256);
            await state.BeforeAnsweringCount(context.Message);
            await context.RespondAsync(new ContentReferences(context.Message.Sha256, count));
        }
    }

    private sealed class SubmittedRecorder(StubState state) : IConsumer<MediaSubmitted>
    {
        public Task Consume(ConsumeContext<MediaSubmitted> context)
        {
            var priority = context.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp) ? amqp.Properties.Priority : (byte)0;
            state.Submitted.Enqueue((context.Message, priority));
            return Task.CompletedTask;
        }
    }

    private sealed class FailedRecorder(StubState state) : IConsumer<MediaFailed>
    {
        public Task Consume(ConsumeContext<MediaFailed> context)
        {
            state.Failed.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }
}
