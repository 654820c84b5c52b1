using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>A read-only session shows its own client's media and pictures, and another client's as not found.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TenancyTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Read_only_session_of_another_client_gets_not_found_for_media_pages_and_thumbnails()
    {
        var still = fixture.Stills[0];

        var owner = await fixture.SignInAsync(fixture.Stack.ReaderKey);
        Assert.Equal(200, (await owner.Context.APIRequest.GetAsync($"/Media/{still.MediaId}")).Status);
        var own = await owner.Context.APIRequest.GetAsync($"/thumbnails/{still.MediaId}/0");
        Assert.Equal(200, own.Status);
        Assert.Equal("image/png", own.Headers["content-type"]);
        await owner.Context.CloseAsync();

        var stranger = await fixture.SignInAsync(fixture.Stack.OtherClientReaderKey);
        Assert.Equal(404, (await stranger.Context.APIRequest.GetAsync($"/Media/{still.MediaId}")).Status);
        var thumbnail = await stranger.Context.APIRequest.GetAsync($"/thumbnails/{still.MediaId}/0");
        Assert.Equal(404, thumbnail.Status);
        Assert.Empty(await thumbnail.BodyAsync());
        await stranger.Context.CloseAsync();
    }

    [Fact]
    public async Task Evaluation_page_of_a_read_only_session_counts_its_own_clients_reviewed_media_only()
    {
        var owner = await fixture.SignInAsync(fixture.Stack.ReaderKey);
        await owner.GotoAsync("/Evaluation");
        await Expect(owner.Locator("section[data-testid^=model-]")).Not.ToHaveCountAsync(0);
        await owner.Context.CloseAsync();

        // Every reviewed medium is the seeding client's: another client's session has nothing to evaluate.
        var stranger = await fixture.SignInAsync(fixture.Stack.OtherClientReaderKey);
        await stranger.GotoAsync("/Evaluation");
        await Expect(stranger.Locator("h1")).ToBeVisibleAsync();
        await Expect(stranger.Locator("section[data-testid^=model-]")).ToHaveCountAsync(0);
        await stranger.Context.CloseAsync();
    }
}
