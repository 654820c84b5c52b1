using System.Collections.Concurrent;
using MassTransit;
using Moderation.Contracts.V1;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Tests;

/// <summary>
/// The classifier's neighbours in a test: publishes <see cref="FrameExtracted"/> as the extractor does and collects the
/// <see cref="FrameClassified"/> / <see cref="FrameFailed"/> results as the results service would.
/// </summary>
internal sealed class FrameBus : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly ConcurrentDictionary<(Guid MediaId, int FrameIndex), FrameClassified> classified = new();
    private readonly ConcurrentDictionary<(Guid MediaId, int FrameIndex), FrameFailed> failed = new();
    private readonly SemaphoreSlim arrived = new(0);

    private FrameBus(string rabbitMqUri)
    {
        var endpoint = RabbitMqEndpoint.Parse(rabbitMqUri);
        bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
            {
                h.Username(endpoint.Username);
                h.Password(endpoint.Password);
            });
            cfg.ReceiveEndpoint("test-frame-results", e =>
            {
                e.Handler<FrameClassified>(context =>
                {
                    classified[(context.Message.MediaId, context.Message.FrameIndex)] = context.Message;
                    arrived.Release();
                    return Task.CompletedTask;
                });
                e.Handler<FrameFailed>(context =>
                {
                    failed[(context.Message.MediaId, context.Message.FrameIndex)] = context.Message;
                    arrived.Release();
                    return Task.CompletedTask;
                });
            });
        });
    }

    public IReadOnlyDictionary<(Guid MediaId, int FrameIndex), FrameClassified> Classified => classified;

    public IReadOnlyDictionary<(Guid MediaId, int FrameIndex), FrameFailed> Failed => failed;

    public static async Task<FrameBus> StartAsync(string rabbitMqUri)
    {
        var frameBus = new FrameBus(rabbitMqUri);
        await frameBus.bus.StartAsync();
        return frameBus;
    }

    /// <summary>Publishes the frames of one medium all at once, as a fast extractor would.</summary>
    public async Task<Guid> PublishMediumAsync(IReadOnlyList<byte[]> jpegs)
    {
        var mediaId = Guid.NewGuid();
        var correlationId = Guid.NewGuid();
        await Task.WhenAll(jpegs.Select((jpeg, index) => bus.Publish(
            new FrameExtracted(mediaId, correlationId, index, index * 5.0, jpeg, null, 224, 224, SubmissionPriority.Normal))));
        return mediaId;
    }

    /// <summary>Publishes frames exactly as given.</summary>
    public Task PublishAsync(params FrameExtracted[] frames) => Task.WhenAll(frames.Select(frame => bus.Publish(frame)));

    /// <summary>Waits until <paramref name="count"/> results (classified or failed) have arrived in total.</summary>
    public async Task WaitForResultsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (classified.Count + failed.Count < count)
        {
            try
            {
                await arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{classified.Count} frames classified and {failed.Count} failed after {timeout}; {count} results expected.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await bus.StopAsync();
        arrived.Dispose();
    }
}
