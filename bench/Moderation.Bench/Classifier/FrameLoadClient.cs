using System.Globalization;
using System.Text;
using System.Text.Json;
using Moderation.Contracts.V1;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Moderation.Bench.Classifier;

/// <summary>
/// The load generator: publishes <see cref="FrameExtracted"/> exactly as MassTransit puts it on the wire (JSON envelope,
/// persistent, publisher confirms) and reads back <see cref="FrameClassified"/>, straight on RabbitMQ.Client. It shares
/// the machine with the service under test, so it is kept lean: a MassTransit bus here cost about 1 ms of CPU per frame,
/// which on two cores would be billed to the classifier.
/// </summary>
internal sealed class FrameLoadClient : IAsyncDisposable
{
    private const string ContentType = "application/vnd.masstransit+json";
    private static readonly string FrameExtractedExchange = MessageExchange<FrameExtracted>();
    private static readonly string[] ResultExchanges = [MessageExchange<FrameClassified>(), MessageExchange<FrameFailed>()];

    private readonly IConnection connection;
    private readonly IChannel publisher;
    private readonly IChannel consumer;
    private readonly string destination;
    private readonly string[] base64;

    private FrameLoadClient(IConnection connection, IChannel publisher, IChannel consumer, string destination, string[] base64)
    {
        this.connection = connection;
        this.publisher = publisher;
        this.consumer = consumer;
        this.destination = destination;
        this.base64 = base64;
    }

    /// <summary>Called for every result: media id, frame index, whether it failed.</summary>
    public Action<Guid, int, bool>? ResultArrived { get; set; }

    public static async Task<FrameLoadClient> ConnectAsync(string rabbitMqUri, IReadOnlyList<byte[]> jpegs)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMqUri), ClientProvidedName = "classifier-benchmark" };
        var connection = await factory.CreateConnectionAsync();
        var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var consumer = await connection.CreateChannelAsync();
        var uri = new Uri(rabbitMqUri);
        var destination = $"rabbitmq://{uri.Host}:{uri.Port}{uri.AbsolutePath.TrimEnd('/')}/{FrameExtractedExchange}";
        var client = new FrameLoadClient(connection, publisher, consumer, destination, jpegs.Select(Convert.ToBase64String).ToArray());

        var queue = await consumer.QueueDeclareAsync("bench-frame-results", durable: false, exclusive: true, autoDelete: true);
        foreach (var exchange in ResultExchanges)
        {
            // Declared as MassTransit declares message-type exchanges, so whichever side comes first, both agree.
            await consumer.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await consumer.QueueBindAsync(queue.QueueName, exchange, "");
        }

        var results = new AsyncEventingBasicConsumer(consumer);
        results.ReceivedAsync += (_, delivery) =>
        {
            var (mediaId, frameIndex) = ReadFrameIdentity(delivery.Body.Span);
            client.ResultArrived?.Invoke(mediaId, frameIndex, delivery.Exchange == ResultExchanges[1]);
            return Task.CompletedTask;
        };
        await consumer.BasicConsumeAsync(queue.QueueName, autoAck: true, results);
        return client;
    }

    public async Task PublishAsync(Guid mediaId, Guid correlationId, int frameIndex, int image)
    {
        var messageId = Guid.NewGuid();
        var properties = new BasicProperties
        {
            ContentType = ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId.ToString(),
        };
        await publisher.BasicPublishAsync(FrameExtractedExchange, "", mandatory: false, properties, Envelope(messageId, mediaId, correlationId, frameIndex, image));
    }

    public async ValueTask DisposeAsync()
    {
        await consumer.CloseAsync();
        await publisher.CloseAsync();
        await connection.CloseAsync();
        consumer.Dispose();
        publisher.Dispose();
        connection.Dispose();
    }

    private byte[] Envelope(Guid messageId, Guid mediaId, Guid correlationId, int frameIndex, int image)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(base64[image].Length + 1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("messageId", messageId);
            json.WriteString("conversationId", correlationId);
            json.WriteString("destinationAddress", destination);
            json.WriteStartArray("messageType");
            json.WriteStringValue($"urn:message:{FrameExtractedExchange}");
            json.WriteStringValue($"urn:message:{MessageExchange<IMediaMessage>()}");
            json.WriteEndArray();
            json.WriteStartObject("message");
            json.WriteString("mediaId", mediaId);
            json.WriteString("correlationId", correlationId);
            json.WriteNumber("frameIndex", frameIndex);
            json.WriteNumber("timestampSeconds", frameIndex);
            json.WritePropertyName("jpeg");
            json.WriteRawValue($"\"{base64[image]}\"", skipInputValidation: true);
            json.WriteNumber("width", 224);
            json.WriteNumber("height", 224);
            json.WriteNumber("priority", (int)SubmissionPriority.Normal);
            json.WriteEndObject();
            json.WriteString("sentTime", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            json.WriteStartObject("headers");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static (Guid MediaId, int FrameIndex) ReadFrameIdentity(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        Guid? mediaId = null;
        int? frameIndex = null;
        while ((mediaId is null || frameIndex is null) && reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2)
            {
                continue;
            }

            if (reader.ValueTextEquals("mediaId"u8) && reader.Read())
            {
                mediaId = reader.GetGuid();
            }
            else if (reader.ValueTextEquals("frameIndex"u8) && reader.Read())
            {
                frameIndex = reader.GetInt32();
            }
        }

        return (mediaId ?? throw new InvalidDataException("A result without mediaId: " + Encoding.UTF8.GetString(body)), frameIndex ?? -1);
    }

    private static string MessageExchange<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";
}
