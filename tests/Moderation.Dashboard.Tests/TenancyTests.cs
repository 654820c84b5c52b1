using Xunit;

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
}
