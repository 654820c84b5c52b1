using System.Reflection;
using System.Reflection.Emit;
using MassTransit;
using Microsoft.Extensions.Configuration;

namespace Moderation.Deploy.Tests;

/// <summary>
/// What one service does on the broker, read from its compiled code the way MassTransit will act on it: the queues its
/// receive endpoints declare (durable, per-replica temporary, and the <c>_error</c>/<c>_skipped</c> queues beside
/// them), the reply endpoint of its request clients, the message types it consumes and those it creates and so
/// publishes (contracts it constructs, minus the responses request clients wait for), and the services whose requests
/// it answers. The RabbitMQ permissions in deploy/ are checked against this.
/// </summary>
public sealed class MessageTopology
{
    public const string ContractsNamespace = "Moderation.Contracts.V1";

    /// <summary>Every message contract (records in the contracts namespace, interfaces included).</summary>
    public static IReadOnlyList<Type> Contracts { get; } =
        typeof(Contracts.V1.MediaSubmitted).Assembly.GetTypes().Where(IsContract).ToList();

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static MessageTopology()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (value < 0x100)
            {
                OneByte[value] = code;
            }
            else if ((value & 0xff00) == 0xfe00)
            {
                TwoByte[value & 0xff] = code;
            }
        }
    }

    private MessageTopology(ServiceCatalog service, IConfiguration configuration)
    {
        Service = service;
        Queues = service.QueueNames(configuration);
        TemporaryQueues = service.TemporaryQueueNames(configuration);
        // MassTransit names a bus's reply endpoint <machine>_<process>_bus_<id>; the process is the service's assembly.
        ReplyEndpoint = $"pod-7f9c6d-x2x7q_{service.Assembly.GetName().Name!.Replace(".", "", StringComparison.Ordinal)}_bus_{NewId.Next().ToString(new MassTransit.NewIdFormatters.ZBase32Formatter())}";
        var consumers = Types(service.Assembly).Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IConsumer).IsAssignableFrom(t)).ToList();
        Consumed = consumers.SelectMany(ConsumedMessages).Where(IsContract).ToHashSet();
        Answered = consumers.Where(c => Calls(c).Any(m => m.Name == "RespondAsync")).SelectMany(ConsumedMessages).ToHashSet();
        Constructed = Types(service.Assembly).SelectMany(Calls).OfType<ConstructorInfo>().Select(c => c.DeclaringType!).Where(IsContract).ToHashSet();
        AwaitedResponses = Types(service.Assembly).SelectMany(Calls).OfType<MethodInfo>()
            .Where(m => m is { Name: "GetResponse", IsGenericMethod: true })
            .SelectMany(m => m.GetGenericArguments()).Where(IsContract).ToHashSet();
    }

    public ServiceCatalog Service { get; }

    /// <summary>Durable queues its receive endpoints consume (each with an exchange of the same name bound to it).</summary>
    public IReadOnlySet<string> Queues { get; }

    /// <summary>A sample name of each per-replica temporary queue (the id part differs per replica).</summary>
    public IReadOnlySet<string> TemporaryQueues { get; }

    /// <summary>A sample name of the temporary queue request clients' answers come to (the host and id parts differ).</summary>
    public string ReplyEndpoint { get; }

    public IReadOnlySet<Type> Consumed { get; }

    /// <summary>Request types whose consumers answer (to the asker's reply endpoint).</summary>
    public IReadOnlySet<Type> Answered { get; }

    /// <summary>Contract types the service's code constructs: what it publishes, plus responses it sends.</summary>
    public IReadOnlySet<Type> Constructed { get; }

    /// <summary>Response types the service's request clients wait for.</summary>
    public IReadOnlySet<Type> AwaitedResponses { get; }

    /// <summary>Whether it asks other services (request clients, answered on its reply endpoint).</summary>
    public bool Requests => AwaitedResponses.Count > 0;

    /// <summary>Every queue name the service declares: its endpoints with their failed-message queues, its reply endpoint.</summary>
    public IEnumerable<string> OwnNames =>
        Queues.Concat(TemporaryQueues).SelectMany(q => new[] { q, q + "_error", q + "_skipped" }).Concat(Requests ? [ReplyEndpoint] : []);

    /// <summary>
    /// The messages it publishes: contracts it constructs that are neither a response some service waits for (those
    /// are sent to the asker's reply endpoint) nor a part of another contract (a record inside a message).
    /// </summary>
    public IReadOnlySet<Type> Published(IEnumerable<MessageTopology> all)
    {
        var topologies = all.ToList();
        var responses = topologies.SelectMany(t => t.AwaitedResponses).ToHashSet();
        // A contract that only travels inside another (a part) is not published on its own, unless some service consumes
        // it as a message too (MediaSubmitted travels inside the extractor's ExtractMovingMedium).
        var consumed = topologies.SelectMany(t => t.Consumed).ToHashSet();
        return Constructed.Where(t => !responses.Contains(t) && (!Parts.Contains(t) || consumed.Contains(t))).ToHashSet();
    }

    /// <summary>Contract types that appear inside other contracts (property types, element types).</summary>
    public static IReadOnlySet<Type> Parts { get; } = Contracts
        .SelectMany(c => c.GetProperties().Select(p => p.PropertyType))
        .SelectMany(Flatten)
        .Where(IsContract)
        .ToHashSet();

    public static MessageTopology For(ServiceCatalog service, IConfiguration configuration) => new(service, configuration);

    /// <summary>The exchange MassTransit declares for a message type.</summary>
    public static string Exchange(Type message) => $"{message.Namespace}:{message.Name}";

    private static bool IsContract(Type type) =>
        type.Namespace == ContractsNamespace && (type.IsInterface || (type.IsClass && !type.IsAbstract)) && !type.IsNested && !type.IsEnum && type.IsPublic
        && !(type.IsAbstract && type.IsSealed);

    private static IEnumerable<Type> Flatten(Type type) =>
        type.IsArray ? Flatten(type.GetElementType()!) : type.IsGenericType ? type.GetGenericArguments().SelectMany(Flatten).Prepend(type) : [type];

    /// <summary>The message types a consumer takes (a batch consumer's element type).</summary>
    public static IEnumerable<Type> ConsumedMessages(Type consumer) =>
        consumer.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .Select(m => m.IsGenericType && m.GetGenericTypeDefinition() == typeof(Batch<>) ? m.GetGenericArguments()[0] : m);

    private static IEnumerable<Type> Types(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    /// <summary>Methods and constructors the IL of a type and its nested types (async state machines, lambdas) calls.</summary>
    private static IEnumerable<MethodBase> Calls(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All));
        foreach (var method in methods)
        {
            foreach (var called in Calls(method))
            {
                yield return called;
            }
        }

        foreach (var nested in type.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public))
        {
            foreach (var called in Calls(nested))
            {
                yield return called;
            }
        }
    }

    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var position = 0; position < il.Length;)
        {
            var code = il[position] == 0xfe ? TwoByte[il[++position]] : OneByte[il[position]];
            position++;
            if (code.OperandType == OperandType.InlineMethod)
            {
                MethodBase? target = null;
                try
                {
                    target = method.Module.ResolveMethod(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
                {
                    // A member of an assembly not loaded here (not a message type).
                }

                if (target is not null)
                {
                    yield return target;
                }
            }

            position += code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
                _ => 4,
            };
        }
    }
}
