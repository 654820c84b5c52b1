using System.Reflection;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>Queue names that configuration refers to are queues some service consumes from.</summary>
public sealed class QueueTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_queue_an_option_names_is_a_queue_a_service_consumes(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        var checkedOptions = 0;
        foreach (var container in RenderedContainer.All(objects.OfKind("Deployment")).Where(c => !c.IsInit && c.Service is not null))
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(container.Configuration(container.Environment(objects))).Build();
            var prefix = configuration["Messaging:QueuePrefix"];
            var declared = ServiceCatalog.All.SelectMany(s => s.QueueNames(configuration)).ToHashSet(StringComparer.Ordinal);
            foreach (var options in container.Service!.Options)
            {
                var instance = Activator.CreateInstance(options.Type)!;
                configuration.GetSection(options.Section).Bind(instance);
                // Bound lists of queue names, and the defaults a class falls back to when none are configured.
                var lists = options.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                    .Where(p => p.Name.EndsWith("Queues", StringComparison.Ordinal) && typeof(IEnumerable<string>).IsAssignableFrom(p.PropertyType))
                    .Select(p => (p.Name, Values: (IEnumerable<string>?)p.GetValue(p.GetMethod!.IsStatic ? null : instance) ?? []));
                foreach (var (property, values) in lists)
                {
                    checkedOptions++;
                    foreach (var queue in values)
                    {
                        var watched = string.IsNullOrEmpty(prefix) ? queue : $"{prefix}-{queue}";
                        if (!declared.Contains(watched))
                        {
                            problems.Add($"{container.Service} {options.Section}:{property} names '{watched}', which no service consumes from (declared: {string.Join(", ", declared.Order(StringComparer.Ordinal))})");
                        }
                    }
                }
            }
        }

        Assert.True(checkedOptions > 0, "no options class lists queues any more: drop or adapt this test");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
