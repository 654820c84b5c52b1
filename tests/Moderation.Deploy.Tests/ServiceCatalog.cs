using System.Reflection;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Moderation.Deploy.Tests;

/// <summary>
/// What the services' own assemblies say about themselves: the options they bind (classes with a
/// <c>public const string Section</c>), the queues they consume from, and whether they use PostgreSQL. The deployment
/// files are checked against this, so a renamed option or consumer breaks the test instead of a production rollout.
/// </summary>
public sealed class ServiceCatalog
{
    private static readonly Dictionary<string, ServiceCatalog> Services = new(StringComparer.Ordinal)
    {
        ["ingest"] = new("ingest", "Moderation.Ingest"),
        ["frame-extractor"] = new("frame-extractor", "Moderation.FrameExtractor"),
        ["classifier"] = new("classifier", "Moderation.Classifier"),
        ["results"] = new("results", "Moderation.Results"),
        ["dashboard"] = new("dashboard", "Moderation.Dashboard"),
    };

    private ServiceCatalog(string name, string assemblyName)
    {
        Name = name;
        Assembly = Assembly.Load(new AssemblyName(assemblyName));
        Assemblies = ModerationClosure(Assembly);
        Options = Assemblies.SelectMany(LoadableTypes).Select(OptionsClass.TryCreate).OfType<OptionsClass>().ToList();
    }

    public static IReadOnlyCollection<ServiceCatalog> All => Services.Values;

    /// <summary>The name used for the service everywhere in deploy/ (image, Deployment, labels).</summary>
    public string Name { get; }

    public Assembly Assembly { get; }

    /// <summary>The service assembly and every Moderation.* assembly it references, directly or not.</summary>
    public IReadOnlyList<Assembly> Assemblies { get; }

    public IReadOnlyList<OptionsClass> Options { get; }

    /// <summary>Whether the service is on the bus (and so reads <c>ConnectionStrings:rabbitmq</c>): its own code uses MassTransit.</summary>
    public bool UsesRabbitMq => Assembly.GetReferencedAssemblies().Any(r => r.Name!.StartsWith("MassTransit", StringComparison.Ordinal));

    /// <summary>Whether the service talks to PostgreSQL (and so reads <c>ConnectionStrings:postgres</c>).</summary>
    public bool UsesPostgres => Assemblies.Any(a => a.GetReferencedAssemblies().Any(r => r.Name is "Npgsql" or "Npgsql.EntityFrameworkCore.PostgreSQL"));

    public static ServiceCatalog Get(string name) =>
        Services.TryGetValue(name, out var service) ? service : throw new KeyNotFoundException($"No service named '{name}'; known: {string.Join(", ", Services.Keys)}.");

    /// <summary>
    /// The service an image belongs to, from the image's last path segment: <c>moderation-ingest:dev</c>,
    /// <c>registry/moderation/ingest:1.0</c> and <c>registry/moderation/classifier-gpu:1.0</c> all name a service.
    /// Null for images that are not services (the model image, RabbitMQ, PostgreSQL).
    /// </summary>
    public static ServiceCatalog? ForImage(string image)
    {
        var name = image.Split('@')[0];
        name = name[(name.LastIndexOf('/') + 1)..];
        name = name.Split(':')[0];
        if (name.StartsWith("moderation-", StringComparison.Ordinal))
        {
            name = name["moderation-".Length..];
        }

        if (name.EndsWith("-gpu", StringComparison.Ordinal))
        {
            name = name[..^"-gpu".Length];
        }

        return Services.GetValueOrDefault(name);
    }

    /// <summary>
    /// The durable queues the service's receive endpoints consume from, computed the way MassTransit does at start: a
    /// ConsumerDefinition's endpoint name when it sets one, else the kebab-case formatter (with the configured prefix)
    /// applied to the consumer type.
    /// </summary>
    public IReadOnlySet<string> QueueNames(string? queuePrefix) =>
        QueueNames(new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Messaging:QueuePrefix", queuePrefix)]).Build());

    /// <summary>
    /// <see cref="QueueNames(string?)"/> with the service's whole configuration: definitions receive their options
    /// bound from it, as they do at start (some derive their endpoint name or prefix from options).
    /// </summary>
    public IReadOnlySet<string> QueueNames(IConfiguration configuration) =>
        Endpoints(configuration).Where(e => !e.Temporary).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every receive endpoint the service's consumers get, with its configuration applied.</summary>
    public IReadOnlyList<ReceiveEndpoint> ReceiveEndpoints(IConfiguration configuration) => Endpoints(configuration);

    /// <summary>
    /// A sample name of each per-replica temporary queue (a definition's temporary endpoint: auto-deleted, one per
    /// replica, its instance id differing per replica).
    /// </summary>
    public IReadOnlySet<string> TemporaryQueueNames(IConfiguration configuration) =>
        Endpoints(configuration).Where(e => e.Temporary).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

    private List<ReceiveEndpoint> Endpoints(IConfiguration configuration)
    {
        var queuePrefix = configuration["Messaging:QueuePrefix"];
        var formatter = new KebabCaseEndpointNameFormatter(string.IsNullOrEmpty(queuePrefix) ? null : queuePrefix, false);
        // A second formatter that names every endpoint differently: a definition whose name changes with the formatter
        // takes it from the consumer's class name, one that names its endpoint itself does not.
        var probe = new KebabCaseEndpointNameFormatter("ClassNamed", false);
        var types = LoadableTypes(Assembly).Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }).ToList();
        var definitions = types
            .Where(t => typeof(IConsumerDefinition).IsAssignableFrom(t))
            .ToDictionary(t => ConsumerOf(t), t => t);
        var services = new ServiceCollection()
            .AddLogging()
            .AddOptions()
            .AddSingleton(configuration);
        var configure = typeof(OptionsConfigurationServiceCollectionExtensions).GetMethod(
            nameof(OptionsConfigurationServiceCollectionExtensions.Configure), [typeof(IServiceCollection), typeof(IConfiguration)])!;
        foreach (var options in Options)
        {
            configure.MakeGenericMethod(options.Type).Invoke(null, [services, configuration.GetSection(options.Section)]);
        }

        using var provider = services.BuildServiceProvider();

        var names = new List<ReceiveEndpoint>();
        foreach (var consumer in types.Where(t => typeof(IConsumer).IsAssignableFrom(t) && !typeof(IConsumerDefinition).IsAssignableFrom(t)))
        {
            if (definitions.TryGetValue(consumer, out var definitionType))
            {
                // A definition remembers the name it first gave, so each formatter gets a fresh one.
                var definition = (IConsumerDefinition)ActivatorUtilities.CreateInstance(provider, definitionType);
                var probed = (IConsumerDefinition)ActivatorUtilities.CreateInstance(provider, definitionType);
                var name = definition.GetEndpointName(formatter);
                // A temporary endpoint (one auto-deleted queue per replica, randomly named) is never shared work to scale on.
                names.Add(new ReceiveEndpoint(name, definition.EndpointDefinition?.IsTemporary == true, consumer,
                    ClassNamed: probed.GetEndpointName(probe) != name));
            }
            else
            {
                var method = typeof(IEndpointNameFormatter).GetMethod(nameof(IEndpointNameFormatter.Consumer))!.MakeGenericMethod(consumer);
                names.Add(new ReceiveEndpoint((string)method.Invoke(formatter, null)!, Temporary: false, consumer, ClassNamed: true));
            }
        }

        return names;
    }

    public override string ToString() => Name;

    private static Type ConsumerOf(Type definition)
    {
        for (var type = definition; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ConsumerDefinition<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        throw new InvalidOperationException($"{definition} implements IConsumerDefinition without deriving from ConsumerDefinition<T>.");
    }

    private static List<Assembly> ModerationClosure(Assembly root)
    {
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal) { [root.GetName().Name!] = root };
        var pending = new Queue<Assembly>([root]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("Moderation.", StringComparison.Ordinal)))
            {
                if (!seen.ContainsKey(reference.Name!))
                {
                    var loaded = Assembly.Load(reference);
                    seen[reference.Name!] = loaded;
                    pending.Enqueue(loaded);
                }
            }
        }

        return seen.Values.ToList();
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
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
}

/// <summary>
/// One receive endpoint: its queue name, whether it is a per-replica temporary queue, the consumer behind it, and
/// whether its name follows the consumer's class name (MassTransit's formatter) instead of being set by its definition.
/// </summary>
public sealed record ReceiveEndpoint(string Name, bool Temporary, Type Consumer, bool ClassNamed);
