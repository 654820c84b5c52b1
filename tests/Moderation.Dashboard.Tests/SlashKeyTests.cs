using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary><kbd>/</kbd> jumps to the search box without typing itself into it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SlashKeyTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Slash_focuses_the_empty_search_box_and_is_not_typed_into_it()
    {
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync("/Stats");
        var search = page.Locator(".quick-search input");
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("/");
        await Expect(search).ToBeFocusedAsync();
        await Expect(search).ToHaveValueAsync("");
        await page.Keyboard.TypeAsync("clip/art");
        await Expect(search).ToHaveValueAsync("clip/art");
        await page.Context.CloseAsync();
    }
}
