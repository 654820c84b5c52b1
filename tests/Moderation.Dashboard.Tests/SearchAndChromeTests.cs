using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>Search finds any part of an external id whatever its case; every page has a favicon; an empty queue looks again by itself.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SearchAndChromeTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Search_is_case_insensitive_substring_pages_have_a_favicon_and_an_empty_queue_refreshes_itself()
    {
        var page = await fixture.SignInAsync(fixture.Stack.ReaderKey);
        await page.GotoAsync("/Search?q=clip%20ART");
        await Expect(page.Locator("main")).ToContainTextAsync("File:Clip art 1.png");

        var icon = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
        Assert.NotNull(icon);
        var served = await page.Context.APIRequest.GetAsync(icon);
        Assert.Equal(200, served.Status);
        Assert.StartsWith("image/svg+xml", served.Headers["content-type"], StringComparison.Ordinal);
        await page.Context.CloseAsync();

        // The empty desk carries its refresh interval, and reloads itself (a new navigation) without anyone pressing a key.
        var desk = await fixture.SignInAsync(fixture.Stack.AdminKey);
        await desk.GotoAsync("/Review?policy=no-such-queue");
        await Expect(desk.Locator("[data-testid=queue-empty]")).ToHaveAttributeAsync("data-refresh-seconds", "15");
        await desk.WaitForRequestAsync(r => r.IsNavigationRequest && r.Url.Contains("/Review?policy=no-such-queue", StringComparison.Ordinal),
            new() { Timeout = 30_000 });
        await Expect(desk.Locator("[data-testid=queue-empty]")).ToBeVisibleAsync();
        await desk.Context.CloseAsync();
    }
}
