using System.Net;
using Moderation.Contracts.V1;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

public sealed class TenancyFixture : IAsyncLifetime
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

/// <summary>A read key sees its own client's media only; reviewers and administrators see every client's.</summary>
public sealed class TenancyTests(TenancyFixture fixture) : IClassFixture<TenancyFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Read_key_gets_not_found_for_another_clients_medium_and_never_lists_it()
    {
        var own = await DecidedMediumAsync(Messages.ClientId);
        var others = await DecidedMediumAsync(Messages.OtherClientId);

        using var reader = App.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/media/{own.MediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/media/{own.MediaId}/frames")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{others.MediaId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{others.MediaId}/frames")).StatusCode);

        var listed = await App.GetAsync<MediaPage>($"/media?limit={MediaQueries.MaxPageSize}", ResultsApp.ReadKey);
        Assert.Contains(listed.Items, m => m.Id == own.MediaId);
        Assert.DoesNotContain(listed.Items, m => m.Id == others.MediaId);
        Assert.Empty((await App.GetAsync<MediaPage>($"/media?sha256={others.Sha256}", ResultsApp.ReadKey)).Items);
        Assert.Empty((await App.GetAsync<MediaPage>($"/media?externalId={Uri.EscapeDataString(others.ExternalId!)}", ResultsApp.ReadKey)).Items);

        // The other client's own key sees it, and its reader cannot see the first client's medium either.
        Assert.Equal(others.MediaId, (await App.GetAsync<MediaDetails>($"/media/{others.MediaId}", ResultsApp.OtherClientReadKey)).Id);
        using var otherReader = App.Client(ResultsApp.OtherClientReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherReader.GetAsync($"/media/{own.MediaId}")).StatusCode);
    }

    [Fact]
    public async Task Reviewers_and_administrators_see_every_clients_media()
    {
        var own = await DecidedMediumAsync(Messages.ClientId);
        var others = await DecidedMediumAsync(Messages.OtherClientId);
        foreach (var key in new[] { ResultsApp.ReviewerKey, ResultsApp.AdminKey })
        {
            Assert.Equal(others.MediaId, (await App.GetAsync<MediaDetails>($"/media/{others.MediaId}", key)).Id);
            Assert.Single(await App.GetAsync<List<FrameView>>($"/media/{others.MediaId}/frames", key));
            var listed = await App.GetAsync<MediaPage>($"/media?limit={MediaQueries.MaxPageSize}", key);
            Assert.Contains(listed.Items, m => m.Id == own.MediaId);
            Assert.Contains(listed.Items, m => m.Id == others.MediaId);
        }
    }

    private async Task<MediaSubmitted> DecidedMediumAsync(string clientId)
    {
        var id = Guid.NewGuid();
        var submitted = Messages.Submitted(id, externalId: $"File:{clientId}-{id}.png", clientId: clientId);
        await App.Bus.Publish(submitted);
        await App.Bus.Publish(Messages.Frame(id, 0, ("Drawing", 0.2f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
        await fixture.Probe.WaitAsync<VerdictReached>(id);
        return submitted;
    }
}
