using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Moderation.Classifier.Tests;

/// <summary>Direct looks at the broker, to assert on queues rather than on the classifier's own account of itself.</summary>
internal static class TestBroker
{
    /// <summary>The worker's queue, named by the kebab-case formatter after its consumer.</summary>
    public const string ClassifierQueue = "frame-classification";

    /// <summary>Messages waiting in <paramref name="queue"/>, or null when the queue was never declared.</summary>
    public static async Task<uint?> MessageCountAsync(string rabbitMqUri, string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue);
            return declared.MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }
}
