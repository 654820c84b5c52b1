using Xunit;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>A results app of the test class's own and a probe on its bus.</summary>
public sealed class AppWithBusFixture : IAsyncLifetime
{
    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync();
        Probe = await BusProbe.StartAsync(App.RabbitMq);
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await App.DisposeAsync();
    }
}
