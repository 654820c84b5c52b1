using System.Text.Json;
using System.Text.Json.Serialization;
using Moderation.Contracts.V1;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;

namespace Moderation.Results.Outbox;

/// <summary>
/// Adds outgoing messages to the current <see cref="ResultsDbContext"/> unit of work, so they commit or roll back
/// together with the state change that caused them. <see cref="OutboxSignal"/> wakes the dispatcher after commit.
/// </summary>
public sealed class OutboxWriter(ResultsDbContext db, TimeProvider clock)
{
    public static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Contract types the dispatcher may publish, by the name stored in <see cref="OutboxMessage.MessageType"/>.</summary>
    public static readonly IReadOnlyDictionary<string, Type> BusTypes = new Dictionary<string, Type>
    {
        [nameof(VerdictReached)] = typeof(VerdictReached),
        [nameof(MediaDecided)] = typeof(MediaDecided),
        [nameof(MediumErased)] = typeof(MediumErased),
        [nameof(RescoreFrame)] = typeof(RescoreFrame),
    };

    public void Publish<T>(T message)
        where T : class, IMediaMessage
    {
        if (!BusTypes.ContainsKey(typeof(T).Name))
        {
            throw new ArgumentException($"{typeof(T).Name} is not a type the outbox publishes.", nameof(message));
        }

        Add(message.MediaId, OutboxKinds.Bus, typeof(T).Name, JsonSerializer.Serialize(message, PayloadJson), null);
    }

    /// <summary>
    /// Announces the decision in force on a medium: <see cref="VerdictReached"/> on the bus and, when the medium asked
    /// for one, the same facts as a signed callback.
    /// </summary>
    public void AnnounceVerdict(Medium medium, VerdictReached verdict)
    {
        Publish(verdict);
        if (medium.CallbackUrl is not null)
        {
            Callback(medium, CallbackEventNames.VerdictReached, (id, at) => VerdictCallback.Of(id, CallbackEventNames.VerdictReached, at, medium.Sha256, verdict));
        }
    }

    /// <summary>
    /// Queues a signed callback to the medium's callback URL; its id becomes the event id in the body and the delivery id
    /// header. The medium's client decides which secret signs it.
    /// </summary>
    public void Callback(Medium medium, string eventName, Func<Guid, DateTimeOffset, object> body)
    {
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        db.Outbox.Add(new OutboxMessage
        {
            Id = id,
            MediaId = medium.Id,
            Kind = OutboxKinds.Callback,
            MessageType = eventName,
            Payload = JsonSerializer.Serialize(body(id, now), PayloadJson),
            Destination = medium.CallbackUrl ?? throw new ArgumentException("The medium asked for no callback.", nameof(medium)),
            ClientId = medium.ClientId,
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }

    private void Add(Guid mediaId, string kind, string type, string payload, string? destination)
    {
        var now = clock.GetUtcNow();
        db.Outbox.Add(new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            MediaId = mediaId,
            Kind = kind,
            MessageType = type,
            Payload = payload,
            Destination = destination,
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }
}

/// <summary>Wakes the dispatcher as soon as a transaction with outbox rows commits, instead of waiting for the next poll.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up drains everything that is due.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
