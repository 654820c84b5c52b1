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
