using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Moderation.Contracts;
using Moderation.Testing;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>
/// The durable queues are a published interface (brokers hold them, KEDA scales on them, RabbitMQ permissions and
/// ingest's back-pressure name them): every one is a <see cref="QueueNames"/> constant its consumer definition names
/// explicitly, and the list is the one docs/messages.md documents.
/// </summary>
public sealed partial class QueueNameTests
{
    private const string Document = "docs/messages.md";

    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    private static IReadOnlyList<string> Constants { get; } = typeof(QueueNames).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true, FieldType: var type } && type == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    [Fact]
    public void Every_durable_queue_is_named_from_QueueNames_by_its_definition()
    {
        var problems = new List<string>();
        foreach (var service in ServiceCatalog.All)
        {
            foreach (var endpoint in service.ReceiveEndpoints(Configuration(prefix: null)).Where(e => !e.Temporary))
            {
                if (endpoint.ClassNamed)
                {
                    problems.Add($"{service}: queue '{endpoint.Name}' of {endpoint.Consumer.Name} follows the consumer's class name; give it a definition that names it from QueueNames");
                }
                else if (!Constants.Contains(endpoint.Name, StringComparer.Ordinal))
                {
                    problems.Add($"{service}: queue '{endpoint.Name}' of {endpoint.Consumer.Name} is not a QueueNames constant");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_durable_queues_are_the_documented_ones()
    {
        var declared = ServiceCatalog.All
            .SelectMany(service => service.ReceiveEndpoints(Configuration(prefix: null)).Where(e => !e.Temporary).Select(e => Row(
                e.Name, service.Name, MessageTopology.ConsumedMessages(e.Consumer).Select(m => m.Name))))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documented = DocumentedQueues().Order(StringComparer.Ordinal).ToList();

        // Renaming, adding or dropping a queue is a change to deployed brokers, KEDA and permissions: document it.
        Assert.Equal(documented, declared);
        // Every constant is a queue some service consumes: none left behind by a removed consumer.
        Assert.Equal(Constants.Order(StringComparer.Ordinal), declared.Select(r => r.Split(" | ")[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("blue")]
    [InlineData("staging-2")]
    public void A_queue_prefix_is_joined_with_a_hyphen_to_every_durable_queue(string prefix)
    {
        foreach (var service in ServiceCatalog.All)
        {
            var expected = service.QueueNames(queuePrefix: null).Select(q => $"{prefix}-{q}").Order(StringComparer.Ordinal);
            Assert.Equal(expected, service.QueueNames(prefix).Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_KEDA_trigger_names_a_QueueNames_queue(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var triggers = 0;
        foreach (var scaledObject in objects.OfKind("ScaledObject"))
        {
            var target = scaledObject["spec"]!["scaleTargetRef"]!["name"].Text();
            var deployment = RenderedContainer.Find(objects, "Deployment", target)!;
            var container = RenderedContainer.All([deployment]).Single(c => !c.IsInit && c.Service is not null);
            var prefix = new ConfigurationBuilder().AddInMemoryCollection(container.Configuration(container.Environment(objects))).Build()["Messaging:QueuePrefix"];
            var known = Constants.Select(q => QueueNames.Prefixed(prefix, q)).ToHashSet(StringComparer.Ordinal);
            foreach (var trigger in scaledObject["spec"]!["triggers"]!.AsArray().Where(t => t!["type"].Text() == "rabbitmq"))
            {
                triggers++;
                var queue = trigger!["metadata"]!["queueName"].Text();
                Assert.True(known.Contains(queue), $"ScaledObject {target} watches '{queue}', which is no QueueNames constant (with prefix '{prefix}')");
            }
        }

        Assert.True(triggers > 0, $"overlay {overlay} renders no RabbitMQ triggers: drop or adapt this test");
    }

    private static IConfiguration Configuration(string? prefix) =>
        new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Messaging:QueuePrefix", prefix)]).Build();

    private static string Row(string queue, string service, IEnumerable<string> messages) =>
        $"{queue} | {service} | {string.Join(", ", messages.Order(StringComparer.Ordinal))}";

    /// <summary>The rows of the table under "## Queues" in docs/messages.md: queue, consumer service, messages.</summary>
    private static List<string> DocumentedQueues()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, Document));
        var section = Regex.Match(text, @"^## Queues\n(?<body>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(section.Success, $"{Document} has no '## Queues' section");
        var rows = TableRow().Matches(section.Groups["body"].Value)
            .Select(m => Row(m.Groups["queue"].Value, m.Groups["service"].Value.Trim(), CodeSpan().Matches(m.Groups["messages"].Value).Select(c => c.Groups[1].Value)))
            .ToList();
        Assert.NotEmpty(rows);
        return rows;
    }

    [GeneratedRegex(@"^\| `(?<queue>[a-z0-9-]+)` \| (?<service>[a-z-]+) \| (?<messages>[^|]+)\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex("`([A-Za-z]+)`")]
    private static partial Regex CodeSpan();
}
