using System.Collections.Concurrent;
using System.Text.Json;
using Moderation.Contracts.V1;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>
/// Watches what the service publishes, straight from RabbitMQ: a private queue bound to the MassTransit exchanges of
/// <see cref="VerdictReached"/>, <see cref="MediaDecided"/> and <see cref="MediumErased"/>.
/// </summary>
public sealed class BusProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<(string Type, Guid MessageId, JsonElement Message)> _received = new();

    private BusProbe(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<BusProbe> StartAsync(string rabbitMqUri)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMqUri) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var probe = new BusProbe(connection, channel);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        foreach (var type in new[] { nameof(VerdictReached), nameof(MediaDecided), nameof(MediumErased) })
        {
            var exchange = $"Moderation.Contracts.V1:{type}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue.QueueName, exchange, "");
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var document = JsonDocument.Parse(delivery.Body);
            var root = document.RootElement;
            var type = root.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
            probe._received.Enqueue((type, root.GetProperty("messageId").GetGuid(), root.GetProperty("message").Clone()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return probe;
    }

    public IReadOnlyList<(Guid MessageId, T Message)> All<T>(Guid mediaId)
        where T : IMediaMessage =>
        [.. _received.Where(r => r.Type == typeof(T).Name)
            .Select(r => (r.MessageId, r.Message.Deserialize<T>(ResultsApp.Json)!))
            .Where(r => r.Item2.MediaId == mediaId)];

    public async Task<T> WaitAsync<T>(Guid mediaId, Func<T, bool>? predicate = null, TimeSpan? timeout = null)
        where T : class, IMediaMessage =>
        await Eventually.GetAsync(() => Task.FromResult(All<T>(mediaId).Select(r => r.Message).FirstOrDefault(m => predicate?.Invoke(m) ?? true)),
            $"{typeof(T).Name} for {mediaId}", timeout);

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
